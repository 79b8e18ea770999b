"""Supervision (SPEC §7): spot checks, rectifications, corrective actions, monthly department
reports, the regulator-referral report and the configuration audit.

Writes are ``<entity>_<verb>`` services that check the actor's right inside the operation, so
the pages, the admin actions and the tasks follow one rule; reads are selectors. Every report
figure is taken from assessment.selectors (the KPI queries) so a monthly report can never
disagree with the dashboard for the same month.
"""
import datetime
import math
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.calendar import load_calendar
from cases.deadlines import DUE_SOON_DAYS
from cases.models import Complaint, Decision, Department, DepartmentMembership
from cases.models.case import Channel, RootCause, Status
from cases.notifications import notify
from cases.permissions import department_ids, is_supervisor
from complaints_portal.common.errors import (
    ApplicationError,
    CalendarMissing,
    NotFound,
    PermissionDenied,
    ReadOnlyCase,
    ValidationFailed,
)
from complaints_portal.common.roles import DEPARTMENT_HEAD, SENIOR_MANAGER, SUPERVISOR, has_role
from complaints_portal.db_router import replica_reads

from . import calculations as calc
from . import selectors
from .periods import MAX_YEAR, MIN_YEAR, Period, day_end_exclusive, local_today, period_bounds, period_parse
from .supervision_models import (
    ChecklistItem,
    CorrectiveAction,
    MonthlyReport,
    Rectification,
    SpotCheck,
    SpotCheckItem,
    SpotCheckResult,
)

User = get_user_model()

CLOSED_STATES = (Status.CLOSED, Status.ARCHIVED)


def _setting(name, default):
    return getattr(settings, name, default)


class SpotCheckExists(ApplicationError):
    code = "spot_check_exists"
    status_code = 409
    default_message = gettext_lazy(
        "A spot check for this period and department was already drawn. Replace it only with a recorded reason."
    )


class AlreadyReviewed(ApplicationError):
    code = "already_reviewed"
    status_code = 409
    default_message = gettext_lazy("This case of the sample has already been reviewed.")


class ClosingNoteRequired(ValidationFailed):
    code = "closing_note_required"
    default_message = gettext_lazy("A note saying what was done is required to close it.")


class AlreadyClosed(ApplicationError):
    code = "already_closed"
    status_code = 409
    default_message = gettext_lazy("This item is already closed.")


# ---------------------------------------------------------------------------------------------
# Who sees what


def supervision_departments(user):
    """None for every department (supervisor, senior manager); else the departments the user
    heads. Anyone else may not see supervision pages (PermissionDenied)."""
    if has_role(user, SUPERVISOR, SENIOR_MANAGER):
        return None
    if has_role(user, DEPARTMENT_HEAD):
        ids = department_ids(user, DepartmentMembership.Role.HEAD)
        if ids:
            return Department.objects.filter(id__in=ids)
    raise PermissionDenied()


def _require_supervisor(actor):
    if not is_supervisor(actor):
        raise PermissionDenied()


def _heads(department):
    return User.objects.filter(memberships__department=department, memberships__role=DepartmentMembership.Role.HEAD,
                               is_active=True).order_by("pk").distinct()


def _supervisors():
    return User.objects.filter(groups__name=SUPERVISOR, is_active=True).order_by("pk").distinct()


def _working_days_from(day, n):
    return load_calendar().add_working_days(day, n)


# ---------------------------------------------------------------------------------------------
# Spot checks


def spot_check_population(period, department):
    """Closed (or since archived) cases of `department` closed within `period`, ordered by
    reference: the ordered population a seed is applied to. Merged duplicates are left out:
    they were handled as part of their master case."""
    start, end = period_bounds(period)
    return Complaint.objects.filter(
        department=department, status__in=CLOSED_STATES, closed_at__gte=start, closed_at__lt=end,
        merged_into__isnull=True,
    ).order_by("reference")


def sample_draw(population, count, seed):
    """The sample of `count` items of the ordered `population` for `seed` (pure function).

    ``random.Random(str)`` seeds from the string's SHA-512, independent of hash randomisation,
    so the same seed and population give the same sample on every machine and run. Returns
    (sample sorted as in the population, took_all)."""
    population = list(population)
    if count >= len(population):
        return population, True
    chosen = set(random.Random(str(seed)).sample(range(len(population)), count))
    return [p for i, p in enumerate(population) if i in chosen], False


def _sample_count(population_size, size, percent):
    if size is not None:
        return size
    return math.ceil(population_size * percent / Decimal(100))


def _parse_size(size, percent):
    try:
        size = int(size) if size not in (None, "") else None
        percent = Decimal(str(percent)) if percent not in (None, "") else None
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationFailed(_("Give the sample as a whole number of cases or as a percentage.")) from None
    if (size is None) == (percent is None):
        raise ValidationFailed(_("Give either a sample size or a percentage, not both."),
                               extra={"fields": {"size": [_("Size or percentage.")]}})
    if size is not None and size < 1:
        raise ValidationFailed(_("The sample size must be at least 1."), extra={"fields": {"size": [_("At least 1.")]}})
    if percent is not None and not (Decimal(0) < percent <= Decimal(100)):
        raise ValidationFailed(_("The percentage must be above 0 and at most 100."),
                               extra={"fields": {"percent": [_("Between 0 and 100.")]}})
    return size, percent


def spot_check_draw(*, actor, period, department, size=None, percent=None, seed=None, replace_reason=""):
    """Draw the spot-check sample of `department`'s cases closed in `period` (supervisor only).

    The seed (given, or a fresh random one) is recorded with the draw. A second draw for the
    same period and department is refused (SpotCheckExists) unless `replace_reason` is given:
    then the earlier draw is kept, marked replaced, and linked from the new one with the
    reason, so a sample cannot be re-rolled quietly. When fewer cases exist than requested,
    all are taken and ``took_all`` says so.
    """
    _require_supervisor(actor)
    period = period_parse(period) if isinstance(period, str) else period
    size, percent = _parse_size(size, percent)
    if not isinstance(department, Department):
        department = Department.objects.filter(code=department).first()
        if department is None:
            raise NotFound()
    seed = str(seed).strip() if seed not in (None, "") else secrets.token_hex(8)
    replace_reason = (replace_reason or "").strip()
    with transaction.atomic():
        # Lock the department row: two supervisors drawing at once serialise here.
        Department.objects.select_for_update().filter(pk=department.pk).first()
        current = SpotCheck.objects.filter(period=period.code, department=department,
                                           state=SpotCheck.State.ACTIVE).first()
        if current is not None and not replace_reason:
            raise SpotCheckExists(extra={"spot_check": current.pk, "seed": current.seed})
        if current is not None:
            current.state = SpotCheck.State.REPLACED
            current._history_user = actor
            current.save(update_fields=["state"])
        population = list(spot_check_population(period, department).values_list("pk", flat=True))
        count = _sample_count(len(population), size, percent)
        chosen, took_all = sample_draw(population, count, seed)
        spot_check = SpotCheck(
            period=period.code, department=department, sample_size=size, sample_percent=percent, seed=seed,
            population_size=len(population), drawn_count=len(chosen), took_all=took_all, drawn_by=actor,
            drawn_at=timezone.now(), replaces=current, replace_reason=replace_reason if current else "",
        )
        spot_check._history_user = actor
        spot_check.save()
        SpotCheckItem.objects.bulk_create([SpotCheckItem(spot_check=spot_check, case_id=pk) for pk in chosen])
    return spot_check


def spot_check_get(user, pk):
    """A spot check the user may see (supervisor, senior manager, head of its department)."""
    departments = supervision_departments(user)
    qs = SpotCheck.objects.select_related("department", "drawn_by", "replaces")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    spot_check = qs.filter(pk=pk).first()
    if spot_check is None:
        raise NotFound()
    return spot_check


def checklist_items():
    return list(ChecklistItem.objects.filter(active=True))


def spot_check_item_review(*, actor, item_id, answers, note=""):
    """Record the review of one sampled case (supervisor only).

    `answers` maps each active checklist code to (passed, note). Every active item must be
    answered. A failed item opens a rectification for the case's department, due in the
    configured number of working days. A case is reviewed once; a correction is a new draw.
    """
    _require_supervisor(actor)
    items = checklist_items()
    missing = [c.code for c in items if c.code not in answers]
    if missing:
        raise ValidationFailed(_("Answer every checklist item: %(items)s") % {"items": ", ".join(missing)},
                               extra={"fields": {code: [_("This field is required.")] for code in missing}})
    with transaction.atomic():
        item = (SpotCheckItem.objects.select_for_update(of=("self",)).select_related("spot_check", "case")
                .filter(pk=item_id).first())
        if item is None:
            raise NotFound()
        if item.spot_check.state != SpotCheck.State.ACTIVE:
            raise ApplicationError(_("This draw was replaced; review the cases of the draw in force."),
                                   code="spot_check_replaced")
        if item.result != SpotCheckItem.Result.PENDING:
            raise AlreadyReviewed()
        now = timezone.now()
        failed = []
        SpotCheckResult.objects.bulk_create([
            SpotCheckResult(item=item, checklist_item=c, passed=bool(answers[c.code][0]),
                            note=(answers[c.code][1] or "")[:500])
            for c in items
        ])
        for c in items:
            if not answers[c.code][0]:
                failed.append(c)
        item.result = SpotCheckItem.Result.FAILED if failed else SpotCheckItem.Result.PASSED
        item.note = note or ""
        item.reviewer = actor
        item.reviewed_at = now
        item.save(update_fields=["result", "note", "reviewer", "reviewed_at"])
        if failed:
            department = item.case.department or item.spot_check.department
            details = "; ".join(
                f"{c.label}: {answers[c.code][1]}" if answers[c.code][1] else c.label for c in failed
            )
            rectification_open(
                actor=actor, department=department, item=item,
                description=_("Spot check %(period)s, case %(ref)s failed: %(items)s")
                % {"period": item.spot_check.period, "ref": item.case.reference, "items": details},
            )
    return item


def spot_check_summary(period, departments=None):
    """Per department for `period`: cases drawn, reviewed, passed, failed, and rectifications
    open/closed that came from its draws; plus the fail count per checklist item."""
    period_code = period.code if isinstance(period, Period) else period
    checks = SpotCheck.objects.filter(period=period_code, state=SpotCheck.State.ACTIVE)
    if departments is not None:
        checks = checks.filter(department__in=departments)
    rows = []
    for check in checks.select_related("department").order_by("department__code").annotate(
        reviewed=Count("items", filter=~Q(items__result=SpotCheckItem.Result.PENDING)),
        passed=Count("items", filter=Q(items__result=SpotCheckItem.Result.PASSED)),
        failed=Count("items", filter=Q(items__result=SpotCheckItem.Result.FAILED)),
    ):
        rect = Rectification.objects.filter(item__spot_check=check).aggregate(
            open=Count("id", filter=Q(status=Rectification.Status.OPEN)),
            closed=Count("id", filter=Q(status=Rectification.Status.CLOSED)),
        )
        rows.append({"spot_check": check, "department": check.department, "drawn": check.drawn_count,
                     "reviewed": check.reviewed, "passed": check.passed, "failed": check.failed,
                     "rectifications_open": rect["open"], "rectifications_closed": rect["closed"]})
    by_item = list(
        SpotCheckResult.objects.filter(item__spot_check__in=checks, passed=False)
        .values("checklist_item__code", "checklist_item__label").annotate(n=Count("id")).order_by("-n")
    )
    return {"rows": rows, "failures_by_item": by_item}


# ---------------------------------------------------------------------------------------------
# Rectifications


def rectification_open(*, actor, department, description, item=None, owner=None, working_days=None):
    """Open a rectification for `department`, owned by its head (else the actor), due in
    `working_days` working days (setting SUPERVISION_RECTIFICATION_WORKING_DAYS, default 10)."""
    working_days = working_days or _setting("SUPERVISION_RECTIFICATION_WORKING_DAYS", 10)
    owner = owner or _heads(department).first() or actor
    now = timezone.now()
    rectification = Rectification(
        item=item, department=department, owner=owner, description=description,
        due_on=_working_days_from(timezone.localdate(now), working_days), created_by=actor, created_at=now,
    )
    rectification._history_user = actor
    rectification.save()
    notify(owner, "rectification_opened", _("Rectification required (due %(due)s)") % {"due": rectification.due_on},
           body=description, dedupe_key=f"rectification_opened:{rectification.pk}")
    return rectification


def _may_work_on(user, department_id):
    return is_supervisor(user) or department_id in department_ids(user, DepartmentMembership.Role.HEAD)


def rectification_list(user, *, status=None):
    departments = supervision_departments(user)
    qs = Rectification.objects.select_related("department", "owner", "item__case", "item__spot_check")
    if departments is not None:
        qs = qs.filter(Q(department__in=departments) | Q(owner=user))
    if status:
        qs = qs.filter(status=status)
    return qs


def rectification_close(*, actor, rectification_id, note):
    """Close an open rectification with a note saying what was done (supervisor, the owner or
    the department's head). Refused without a note (ClosingNoteRequired) or when closed."""
    note = (note or "").strip()
    if not note:
        raise ClosingNoteRequired(extra={"fields": {"note": [_("This field is required.")]}})
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().filter(pk=rectification_id).first()
        if rectification is None:
            raise NotFound()
        if not (_may_work_on(actor, rectification.department_id) or rectification.owner_id == actor.pk):
            raise NotFound()
        if rectification.status != Rectification.Status.OPEN:
            raise AlreadyClosed()
        rectification.status = Rectification.Status.CLOSED
        rectification.closing_note = note
        rectification.closed_by = actor
        rectification.closed_at = timezone.now()
        rectification._history_user = actor
        rectification.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
    return rectification


# ---------------------------------------------------------------------------------------------
# Root cause and corrective action


def corrective_missing(departments=None):
    """Closed (or archived) at-fault cases that have no corrective action yet."""
    qs = Complaint.objects.filter(status__in=CLOSED_STATES, at_fault=True, merged_into__isnull=True,
                                  corrective__isnull=True).select_related("department").order_by("closed_at")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def corrective_open(departments=None):
    qs = CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN).select_related(
        "case", "department", "owner")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def corrective_action_create(*, actor, reference, root_cause, description, owner, due_on):
    """Record the corrective action of a closed at-fault case (supervisor, senior manager or the
    head of its department). Sets the case's root cause when it has none; an archived case is
    read-only, so its root cause must already be set."""
    from cases.permissions import is_head_of, is_senior

    description = (description or "").strip()
    errors = {}
    if root_cause not in RootCause.values:
        errors["root_cause"] = [_("Not a valid choice.")]
    if not description:
        errors["description"] = [_("This field is required.")]
    if not isinstance(due_on, datetime.date):
        errors["due_on"] = [_("Invalid date.")]
    owner_user = owner if isinstance(owner, User) else User.objects.filter(username=owner, is_active=True).first()
    if owner_user is None:
        errors["owner"] = [_("Unknown user.")]
    if errors:
        raise ValidationFailed(extra={"fields": errors})
    with transaction.atomic():
        case = Complaint.objects.select_for_update(of=("self",)).filter(reference=reference).first()
        if case is None:
            raise NotFound()
        if not (is_supervisor(actor) or is_senior(actor) or is_head_of(actor, case)):
            raise NotFound()
        if case.status not in CLOSED_STATES or not case.at_fault:
            raise ValidationFailed(_("Only closed cases found at fault take a corrective action."),
                                   code="not_at_fault_closed")
        if CorrectiveAction.objects.filter(case=case).exists():
            raise ApplicationError(_("This case already has a corrective action."), code="corrective_exists")
        if case.root_cause != root_cause:
            if case.status == Status.ARCHIVED:
                raise ReadOnlyCase()
            case.root_cause = root_cause
            case.corrective_action = description
            case.version += 1
            case._history_user = actor
            case.save(update_fields=["root_cause", "corrective_action", "version", "updated_at"])
        action = CorrectiveAction(case=case, department=case.department, root_cause=root_cause,
                                  description=description, owner=owner_user, due_on=due_on, created_by=actor,
                                  created_at=timezone.now())
        action._history_user = actor
        action.save()
        notify(owner_user, "corrective_action", _("Corrective action for %(ref)s (due %(due)s)")
               % {"ref": case.reference, "due": due_on}, body=description, case=case,
               dedupe_key=f"corrective_action:{action.pk}")
    return action


def corrective_action_complete(*, actor, action_id, note):
    """Mark a corrective action done with a note (its owner, the head or the supervisor)."""
    note = (note or "").strip()
    if not note:
        raise ClosingNoteRequired(extra={"fields": {"note": [_("This field is required.")]}})
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or not (_may_work_on(actor, action.department_id) or action.owner_id == actor.pk):
            raise NotFound()
        if action.status != CorrectiveAction.Status.OPEN:
            raise AlreadyClosed()
        action.status = CorrectiveAction.Status.DONE
        action.completion_note = note
        action.completed_at = timezone.now()
        action._history_user = actor
        action.save(update_fields=["status", "completion_note", "completed_at"])
    return action


def recurring_threshold():
    return _setting("SUPERVISION_RECURRING_THRESHOLD", 3)


def recurring_root_causes(period, threshold=None, departments=None):
    """(department code, root cause, count) where the same root cause was recorded on at least
    `threshold` (setting SUPERVISION_RECURRING_THRESHOLD, default 3) at-fault cases of the same
    department closed within `period`. For the dashboard and the supervision page."""
    threshold = threshold or recurring_threshold()
    start, end = period_bounds(period)
    qs = Complaint.objects.filter(at_fault=True, closed_at__gte=start, closed_at__lt=end,
                                  merged_into__isnull=True).exclude(root_cause="")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    rows = (qs.values("department__code", "root_cause").annotate(n=Count("id")).filter(n__gte=threshold)
            .order_by("-n", "department__code", "root_cause"))
    labels = dict(RootCause.choices)
    return [{"department": r["department__code"], "root_cause": r["root_cause"],
             "label": labels.get(r["root_cause"], r["root_cause"]), "count": r["n"]} for r in rows]


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
}


def month_figures(department, month, as_of=None):
    """The figures of one department and month as a JSON-ready dict.

    received/regulator/on_time/overdue/pending/revisited/satisfied and the rates are the
    department's row of ``selectors.kpi_table`` for the month (overdue = the KPI's "late":
    decided after the due date, or undecided and past it); closed and in progress split the
    same cohort by whether it was closed by the end of the month; decisions are the decision
    notices (all rounds) sent in the month; top causes are ``selectors.volume_by(root_cause)``.
    """
    today = local_today()
    as_of = min(as_of or month.end, today)
    row = selectors.kpi_table(month, as_of, departments=[department]).rows[0]
    cohort = selectors.complaint_cohort(month, as_of).filter(department=department)
    closed = cohort.filter(closed_at__lt=day_end_exclusive(as_of)).count()
    start, end = period_bounds(month)
    decisions = Decision.objects.filter(case__department=department, notified_at__gte=start,
                                        notified_at__lt=min(end, day_end_exclusive(as_of))).count()
    causes = selectors.volume_by(month, as_of, "root_cause", departments=[department])[:5]
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
    }


def monthly_report_generate(month, *, actor=None, departments=None, only_missing=False):
    """Compute and store the month's report for each department (default: all active ones),
    with last month's figures for comparison. ``only_missing`` (the job) leaves existing rows
    alone, so a re-run changes nothing; on demand the row is regenerated."""
    if actor is not None:
        supervision_departments(actor)  # raises for users who may not see reports
        allowed = supervision_departments(actor)
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
        for head in _heads(report.department):
            notify(head, "monthly_report", _("Monthly complaint report %(month)s is ready")
                   % {"month": month.code}, dedupe_key=f"monthly_report:{report.department_id}:{month.code}:{head.pk}")
    return len(reports)


def monthly_reports_for(user, month):
    departments = supervision_departments(user)
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
    qs = selectors.annotated_cohort(period, as_of).filter(channel=Channel.REGULATOR)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    a_end = day_end_exclusive(as_of)
    rows = list(
        qs.values("department__code").annotate(
            received=Count("id"),
            on_time=Count("id", filter=Q(timeliness="on_time")),
            late=Count("id", filter=Q(timeliness="late")),
            pending=Count("id", filter=Q(timeliness="pending")),
            decisions=Count("id", filter=Q(first_notified_at__lt=a_end)),
        ).order_by("department__code")
    )
    total = {k: sum(r[k] for r in rows) for k in ("received", "on_time", "late", "pending", "decisions")}
    for r in [*rows, total]:
        r["rate"] = calc.format_rate(calc.on_time_rate(r["on_time"], r["on_time"] + r["late"]))
    return {"period": period, "as_of": as_of, "rows": rows, "total": total}


# ---------------------------------------------------------------------------------------------
# Reminders (beat)


def supervision_reminders(today=None):
    """Remind owners of open rectifications and corrective actions due soon (within
    DUE_SOON_DAYS working days), and escalate overdue ones to the department heads and the supervisors.

    Idempotent: each notification has a dedupe key per item and due date, and the marker
    columns are set with conditional updates, so beat firing twice sends nothing twice."""
    today = today or local_today()
    try:
        soon = _working_days_from(today, DUE_SOON_DAYS)
    except CalendarMissing:
        soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    sent = {"reminded": 0, "escalated": 0}
    for model, kind in ((Rectification, "rectification"), (CorrectiveAction, "corrective_action")):
        open_status = model.Status.OPEN
        for item in model.objects.filter(status=open_status, due_on__lte=soon).select_related("owner", "department"):
            label = str(model._meta.verbose_name)
            if item.due_on < today:
                recipients = {item.owner, *(_heads(item.department) if item.department_id else []), *_supervisors()}
                for user in recipients:
                    notify(user, f"{kind}_overdue", _("Overdue %(what)s #%(id)s (due %(due)s)")
                           % {"what": label, "id": item.pk, "due": item.due_on},
                           body=item.description, dedupe_key=f"{kind}_overdue:{item.pk}:{item.due_on}:{user.pk}")
                if model.objects.filter(pk=item.pk, status=open_status, escalated_on__isnull=True).update(
                        escalated_on=today):
                    sent["escalated"] += 1
            else:
                notify(item.owner, f"{kind}_due", _("%(what)s #%(id)s is due on %(due)s")
                       % {"what": label, "id": item.pk, "due": item.due_on},
                       body=item.description, dedupe_key=f"{kind}_due:{item.pk}:{item.due_on}")
                if model.objects.filter(pk=item.pk, status=open_status, reminded_on__isnull=True).update(
                        reminded_on=today):
                    sent["reminded"] += 1
    return sent


# ---------------------------------------------------------------------------------------------
# Configuration audit


def audited_models():
    from cases.models import CalendarDay, CalendarYear, DeadlinePolicy, StageRule

    from .models import PolicyVolume, Target

    return [
        (gettext_lazy("Calendar day"), CalendarDay),
        (gettext_lazy("Calendar year"), CalendarYear),
        (gettext_lazy("Deadline policy"), DeadlinePolicy),
        (gettext_lazy("Stage rule"), StageRule),
        (gettext_lazy("KPI target"), Target),
        (gettext_lazy("Policy volume"), PolicyVolume),
        (gettext_lazy("Department membership"), DepartmentMembership),
        (gettext_lazy("Checklist item"), ChecklistItem),
    ]


HISTORY_TYPES = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}


def config_audit(limit=30, kinds=None):
    """Recent changes of the configuration tables kept by django-simple-history: who, when,
    what kind of change and each changed field old → new, newest first (read-only)."""
    entries = []
    for label, model in audited_models():
        if kinds and model._meta.model_name not in kinds:
            continue
        for record in model.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]:
            changes = []
            if record.history_type == "~":
                previous = record.prev_record
                if previous is not None:
                    delta = record.diff_against(previous)
                    changes = [(c.field, c.old, c.new) for c in delta.changes]
            entries.append({"kind": label, "model": model._meta.model_name, "object": str(record.instance),
                            "at": record.history_date, "user": record.history_user,
                            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                            "reason": record.history_change_reason or "", "changes": changes})
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries
