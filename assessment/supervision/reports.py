"""Monthly department reports, the regulator-referral report and the configuration audit (SPEC
§7), every figure from the KPI selectors (never disagreeing with the dashboard)."""
import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.kpi import calculations as calc
from assessment.kpi import drilldown, rules, selectors
from assessment.kpi.calculations import Timeliness
from assessment.kpi.mediation import mediation_figures
from assessment.kpi.periods import MAX_YEAR, MIN_YEAR, Period, day_end_exclusive, local_today, period_bounds
from assessment.selectors import departments_visible_to
from cases.calendar import load_calendar
from cases.models import Decision, Department, DepartmentMembership
from cases.notification_texts import register
from cases.notifications import notify
from complaints_portal.common.errors import (
    CalendarMissing,
    ValidationFailed,
)
from complaints_portal.common.sheets import person
from complaints_portal.db_router import replica_reads

from .common import heads_of
from .models import (
    ChecklistItem,
    MonthlyReport,
)

User = get_user_model()

MONTHLY_REPORT = register("monthly_report", gettext_lazy("Monthly complaint report %(month)s is ready"))

# ---------------------------------------------------------------------------------------------
# Monthly department reports


@dataclass(frozen=True)
class MonthPeriod(Period):
    """A calendar month, usable wherever the KPI selectors take a Period. It has no quarters,
    so no quarterly policy volume is attributed to it (monthly reports show no complaint rate)."""

    @property
    def is_year(self):
        return False

    @property
    def quarter_codes(self):
        return []


def month_period(day):
    first = day.replace(day=1)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return MonthPeriod(first.strftime("%Y-%m"), first, nxt - datetime.timedelta(days=1))


def month_parse(text):
    try:
        day = datetime.date.fromisoformat(f"{(text or '').strip()}-01")
    except ValueError:
        raise ValidationFailed(_("Use a month like 2026-03."), code="invalid_month") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(_("Use a month like 2026-03."), code="invalid_month")
    return month_period(day)


def previous_month(day):
    return month_period(day.replace(day=1) - datetime.timedelta(days=1))


FIGURE_LABELS = {
    "received": gettext_lazy("Received"),
    "regulator": gettext_lazy("Regulator referrals"),
    "closed": gettext_lazy("Closed"),
    "in_progress": gettext_lazy("In progress"),
    "on_time": gettext_lazy("Decided on time"),
    "overdue": gettext_lazy("Overdue"),
    "pending": gettext_lazy("Not yet due"),
    "timeliness_rate": gettext_lazy("On-time rate (%)"),
    "decisions": gettext_lazy("Decisions notified"),
    "revisited": gettext_lazy("Revisited"),
    "satisfied": gettext_lazy("Satisfied"),
    "satisfaction_rate": gettext_lazy("Satisfaction (%)"),
    "mediations_started": gettext_lazy("Mediations started"),
    "mediation_agreements": gettext_lazy("Ended with an agreement"),
    "mediation_agreement_rate": gettext_lazy("Agreement rate (%)"),
    "mediation_performed_on_time": gettext_lazy("Agreements performed on time"),
}


def month_figures(department, month, as_of=None):
    """The figures of one department and month as a JSON-ready dict: the department's row of
    kpi_table for the month (overdue = the KPI's "late"), closed / in progress of that cohort,
    the month's decision notices (all rounds) and the top root causes (drilldown.volume_by)."""
    today = local_today()
    as_of = min(as_of or month.end, today)
    row = selectors.kpi_table(month, as_of, departments=[department]).rows[0]
    cohort = drilldown.complaint_cohort(month, as_of).filter(department=department)
    closed = cohort.filter(closed_at__lt=day_end_exclusive(as_of)).count()
    start, end = period_bounds(month)
    decisions = Decision.objects.filter(case__department=department, notified_at__gte=start,
                                        notified_at__lt=min(end, day_end_exclusive(as_of))).count()
    causes = drilldown.volume_by(month, as_of, "root_cause", departments=[department])[:5]
    mediation = mediation_figures(month, as_of, departments=[department])
    return {
        "month": month.code,
        "as_of": as_of.isoformat(),
        "received": row.complaints,
        "regulator": row.regulator_complaints,
        "closed": closed,
        "in_progress": row.complaints - closed,
        "on_time": row.on_time,
        "overdue": row.late,
        "pending": row.pending,
        "timeliness_rate": calc.format_rate(row.timeliness_rate),
        "decisions": decisions,
        "revisited": row.revisited,
        "satisfied": row.satisfied,
        "satisfaction_rate": calc.format_rate(row.satisfaction_rate),
        "top_causes": [[cause, n] for cause, n in causes],
        "mediations_started": mediation["started"],
        "mediation_agreements": mediation["agreements"],
        "mediation_agreement_rate": calc.format_rate(mediation["agreement_rate"]),
        "mediation_performed_on_time": mediation["performed_on_time"],
    }


def monthly_report_generate(month, *, actor=None, departments=None, only_missing=False):
    """Compute and store the month's report for each department (default: all active ones),
    with last month's figures for comparison. ``only_missing`` (the job) leaves existing rows
    alone, so a re-run changes nothing; on demand the row is regenerated."""
    if actor is not None:
        departments_visible_to(actor)  # raises for users who may not see reports
        allowed = departments_visible_to(actor)
        if allowed is not None:
            departments = allowed if departments is None else [d for d in departments if d in set(allowed)]
    departments = list(departments if departments is not None else Department.objects.filter(active=True))
    prior = previous_month(month.start)
    reports = []
    for department in departments:
        if only_missing and MonthlyReport.objects.filter(department=department, month=month.start).exists():
            continue
        # The aggregates may read the replica once it has replayed every commit made so far
        # (as fresh as the primary now); the row itself is written on the primary.
        with replica_reads(caught_up=True):
            figures = month_figures(department, month)
            figures["previous"] = month_figures(department, prior)
        report, _created = MonthlyReport.objects.update_or_create(
            department=department, month=month.start,
            defaults={"figures": figures, "generated_at": timezone.now(), "generated_by": actor},
        )
        reports.append(report)
    return reports


def is_first_working_day_of_month(day):
    """True when `day` is the first working day of its month by the portal calendar (weekdays
    when the calendar does not cover the year)."""
    try:
        calendar = load_calendar()
        first = calendar.roll_forward(day.replace(day=1))
    except CalendarMissing:
        first = day.replace(day=1)
        while first.weekday() >= 5:
            first += datetime.timedelta(days=1)
    return day == first


def monthly_reports_due(today=None):
    """Beat job: on the first working day of a month, store last month's reports for every
    active department that has none yet and tell the heads. Returns the number stored."""
    today = today or local_today()
    if not is_first_working_day_of_month(today):
        return 0
    month = previous_month(today)
    reports = monthly_report_generate(month, only_missing=True)
    for report in reports:
        for head in heads_of(report.department):
            notify(head, MONTHLY_REPORT, params={"month": month.code},
                   dedupe_key=f"monthly_report:{report.department_id}:{month.code}:{head.pk}")
    return len(reports)


def monthly_reports_for(user, month):
    departments = departments_visible_to(user)
    qs = MonthlyReport.objects.filter(month=month.start).select_related("department", "generated_by")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return list(qs.order_by("department__code"))


# ---------------------------------------------------------------------------------------------
# Regulator referrals


def regulator_report(period, departments=None):
    """Regulator-referral figures of `period` per department and in total: received, decided on
    time, late, not yet due, the on-time rate, and first-round decisions notified. The same
    cohort and timeliness rule as the KPI table, restricted to the regulator channel."""
    as_of = min(period.end, local_today())
    qs = drilldown.judged_cohort(period, as_of).filter(rules.REGULATOR)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    rows = list(
        qs.values("department__code", "department__name").annotate(
            received=Count("pk"),
            on_time=Count("pk", filter=Q(timeliness=Timeliness.ON_TIME.value)),
            late=Count("pk", filter=Q(timeliness=Timeliness.LATE.value)),
            pending=Count("pk", filter=Q(timeliness=Timeliness.PENDING.value)),
            decisions=Count("pk", filter=rules.decided(as_of)),
        ).order_by("department__code")
    )
    total = {k: sum(r[k] for r in rows) for k in ("received", "on_time", "late", "pending", "decisions")}
    for r in [*rows, total]:
        r["rate"] = calc.format_rate(calc.on_time_rate(r["on_time"], r["on_time"] + r["late"]))
    return {"period": period, "as_of": as_of, "rows": rows, "total": total}


# ---------------------------------------------------------------------------------------------
# Configuration audit


def audited_models():
    """Every configuration table (SPEC §8: calendar, deadlines, rules, targets; SPEC §14: routing
    rules; SPEC §10: notice templates), with its label.
    Each keeps its history (django-simple-history), written by save() or
    bulk_create_with_history, never a bare bulk write (tests/test_history_kept.py)."""
    from assessment.bonus.models import (
        BonusRuleSet,
        BonusTier,
        PromotionPolicy,
        RootCauseTopic,
        TrainingTopic,
    )
    from assessment.disclosure.models import IndustryMedian
    from assessment.kpi.models import PolicyVolume, Target
    from assessment.warning.models import SignalKeyword
    from cases.models import (
        Absence,
        CalendarDay,
        CalendarYear,
        DeadlinePolicy,
        NoticeTemplate,
        RoutingRule,
        StageRule,
    )

    return [
        (gettext_lazy("Calendar day"), CalendarDay),
        (gettext_lazy("Calendar year"), CalendarYear),
        (gettext_lazy("Deadline policy"), DeadlinePolicy),
        (gettext_lazy("Stage rule"), StageRule),
        (gettext_lazy("KPI target"), Target),
        (gettext_lazy("Policy volume"), PolicyVolume),
        (gettext_lazy("Bonus rule version"), BonusRuleSet),
        (gettext_lazy("Bonus tier"), BonusTier),
        (gettext_lazy("Promotion policy"), PromotionPolicy),
        (gettext_lazy("Training topic"), TrainingTopic),
        (gettext_lazy("Root cause → training topic"), RootCauseTopic),
        (gettext_lazy("Routing rule"), RoutingRule),
        (gettext_lazy("Signal keyword"), SignalKeyword),
        (gettext_lazy("Industry median"), IndustryMedian),
        (gettext_lazy("Absence and substitute"), Absence),
        (capfirst(NoticeTemplate._meta.verbose_name), NoticeTemplate),
        (gettext_lazy("Department"), Department),
        (gettext_lazy("Department membership"), DepartmentMembership),
        (gettext_lazy("Checklist item"), ChecklistItem),
    ]


HISTORY_TYPES = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}
# Bookkeeping columns the audit leaves out of "old → new".
UNAUDITED_FIELDS = {"id", "created_at", "updated_at"}


def _record_changes(record, previous):
    """(field, old, new) of one history row: against the previous row for a change; every value
    for a creation (old empty) and a deletion (new empty), so no entry is without its values."""
    if record.history_type == "~" and previous is not None:
        return [(c.field, c.old, c.new) for c in record.diff_against(previous).changes]
    values = [(f.attname, getattr(record, f.attname)) for f in record.instance_type._meta.concrete_fields
              if f.attname not in UNAUDITED_FIELDS and getattr(record, f.attname, None) not in (None, "")]
    if record.history_type == "-":
        return [(name, value, None) for name, value in values]
    return [(name, None, value) for name, value in values]


def _fields_by_name(model):
    """{name or attname: field} of a model's concrete fields (history diffs use either)."""
    fields = {}
    for field in model._meta.concrete_fields:
        fields[field.name] = fields[field.attname] = field
    return fields


def _shown_changes(entries, models):
    """Each entry's changes as a reader sees them, set as ``entry["shown"]``: the field's
    verbose name, a choice's label, a related object by its name (a person by their full
    name), Yes/No for a flag. The related objects of the whole page are read with one query
    per related model."""
    wanted = {}
    for entry, model in zip(entries, models, strict=True):
        fields = _fields_by_name(model)
        for name, old, new in entry["changes"]:
            field = fields.get(name)
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in (old, new) if v not in (None, ""))
    related = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}
    user_model = get_user_model()

    def shown(field, value):
        if value in (None, "") or field is None:
            return None if value == "" else value
        if field.many_to_one:
            obj = related[field.related_model].get(value)
            if obj is None:
                return f"#{value}"
            return person(obj) if isinstance(obj, user_model) else str(obj)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return value

    for entry, model in zip(entries, models, strict=True):
        fields = _fields_by_name(model)
        entry["shown"] = [
            (capfirst(fields[name].verbose_name) if name in fields else name,
             shown(fields.get(name), old), shown(fields.get(name), new))
            for name, old, new in entry["changes"]
        ]


def _previous_records(model, records):
    """{history_id: the row before it} for the changes among `records`, in one query per table
    (what each row's prev_record would read: the object's last row dated before it)."""
    changed = [r for r in records if r.history_type == "~"]
    if not changed:
        return {}
    pk = model._meta.pk.attname
    earlier = {}
    rows = model.history.filter(**{f"{pk}__in": {getattr(r, pk) for r in changed}},
                                history_date__lt=max(r.history_date for r in changed))
    for row in rows.order_by("history_date", "history_id"):
        earlier.setdefault(getattr(row, pk), []).append(row)
    previous = {}
    for record in changed:
        before = [row for row in earlier.get(getattr(record, pk), []) if row.history_date < record.history_date]
        previous[record.history_id] = before[-1] if before else None
    return previous


def config_audit(limit=30, kinds=None):
    """Recent changes of the configuration tables kept by django-simple-history: who, when,
    what kind of change and each field old → new, newest first (read-only); ``shown`` has the
    changes in the reader's words."""
    entries, models = [], []
    for label, model in audited_models():
        if kinds and model._meta.model_name not in kinds:
            continue
        records = list(model.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
        previous = _previous_records(model, records)
        # The objects as they were, their foreign keys loaded together for their names.
        instances = [record.instance for record in records]
        prefetch_related_objects(instances, *[f.name for f in model._meta.concrete_fields if f.many_to_one])
        for record, instance in zip(records, instances, strict=True):
            models.append(model)
            entries.append({"kind": label, "model": model._meta.model_name, "object": str(instance),
                            "at": record.history_date, "user": record.history_user, "who": person(record.history_user),
                            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                            "reason": record.history_change_reason or "",
                            "changes": _record_changes(record, previous.get(record.history_id))})
    _shown_changes(entries, models)
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries
