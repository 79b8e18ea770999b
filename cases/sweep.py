"""The deadline sweep run by Celery beat: remind, mark overdue, escalate (SPEC §4).

Two escalation levels over time: level 1 to the department head when a stage becomes overdue
(the supervisors at once when the department has no head), level 2 to the supervisors when it
is still overdue the case's policy's ``supervisor_escalation_working_days`` (default 2) working
days later; a passed regulatory deadline goes to both at once.

Each step reads only open deadline rows whose stamp for it is still empty, through a partial
index on exactly that condition, so an idle sweep reads almost nothing. Each row is claimed
with a conditional UPDATE in its own small transaction with the notifications it causes: two
sweeps cannot both claim a row, and a killed worker's claim rolls back."""
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common import roles
from complaints_portal.common.errors import CalendarMissing

from .calendar import load_calendar
from .deadlines.compute import REGULATORY_STAGES
from .mediations import sweep_overdue_agreements
from .models import CaseDeadline, DeadlinePolicy
from .models.case import OPEN_STATUSES
from .models.deadlines import Stage
from .notification_texts import joined, local_date, register
from .notifications import assignees, department_heads, notify, notify_grouped, users_with_role
from .substitutes import with_substitutes

logger = logging.getLogger(__name__)

OPEN = Q(met_at__isnull=True, stopped_at__isnull=True)
AT_RISK_WORKING_DAYS = 1


# -- messages: one per case, person, kind and day, listing its stages --------------------------
def _stages(params):
    items = [_("%(stage)s due %(due)s") % {"stage": _stage_label(item["stage"]), "due": local_date(item["due"])}
             for item in params.get("items", [])]
    return {**params, "stages": joined(items)}


OVERDUE = register("deadline_overdue", gettext_lazy("Overdue: %(ref)s — %(stages)s"), prepare=_stages)
PASSED = register("deadline_passed_supervisor", gettext_lazy("Regulatory deadline passed: %(ref)s — %(stages)s"),
                  prepare=_stages)
ESCALATED = register("deadline_escalated_supervisor", gettext_lazy("Still overdue, escalated: %(ref)s — %(stages)s"),
                     prepare=_stages)
AT_RISK = register("deadline_at_risk", gettext_lazy("At risk: %(ref)s — %(stages)s"), prepare=_stages)
REMINDER = register("deadline_reminder", gettext_lazy("Reminder: %(ref)s — %(stages)s"), prepare=_stages)


def _stage_label(stage):
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def _send(users, kind, row, today):
    """The stage of ``row`` joins the day's notification of its case to each of ``users`` and
    the substitutes of those absent ``today``; returns how many notifications were created (a
    joining stage creates none)."""
    item = {"stage": row.stage, "due": row.due_on.isoformat(), "row": row.pk}
    return sum(notify_grouped(user, kind, row.case, item, day=today, params={"ref": row.case.reference})
               for user in with_substitutes(users, today))


# -- steps ---------------------------------------------------------------------------------
def _claim(row, **stamps):
    """Conditional UPDATE: True only for the one sweep that set the first stamp."""
    first = next(iter(stamps))
    return CaseDeadline.objects.filter(OPEN, pk=row.pk, **{f"{first}__isnull": True}).update(**stamps) == 1


BATCH = 500


def _rows(condition, stamp):
    """Yield the open rows still lacking `stamp`, in keyset-paged batches by (due_on, pk), their
    cases prefetched by primary key (a join let the planner pick a scan of the whole table)."""
    base = CaseDeadline.objects.filter(OPEN, condition, **{f"{stamp}__isnull": True}).order_by("due_on", "pk")
    after = Q()
    while True:
        batch = list(base.filter(after).prefetch_related("case", "case__registered_by", "case__deadline_policy")[:BATCH])
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1]
        after = Q(due_on__gt=last.due_on) | Q(due_on=last.due_on, pk__gt=last.pk)


def _stop_if_closed(row, now):
    """A row of a case closed without on_action (e.g. an import) stops being tracked."""
    if row.case.status in OPEN_STATUSES:
        return False
    CaseDeadline.objects.filter(OPEN, pk=row.pk).update(stopped_at=now)
    return True


def _overdue(today, now, counts):
    for row in _rows(Q(due_on__lt=today), "overdue_at"):
        with transaction.atomic():
            if _stop_if_closed(row, now):
                continue
            regulatory = row.stage in REGULATORY_STAGES
            heads = department_heads(row.case)
            stamps = {"overdue_at": now, "escalated_head_at": now,
                      "reminded_at": Coalesce("reminded_at", Value(now))}
            if regulatory:
                stamps.update(at_risk_notified_at=Coalesce("at_risk_notified_at", Value(now)))
            if regulatory or not heads:
                # The supervisors hear of it now: level 2 has nothing left to add later.
                stamps.update(escalated_supervisor_at=now)
            if not _claim(row, **stamps):
                continue
            counts["overdue"] += 1
            counts["notifications"] += _send(heads or users_with_role(roles.SUPERVISOR), OVERDUE, row, today)
            if regulatory:
                counts["notifications"] += _send(users_with_role(roles.SUPERVISOR), PASSED, row, today)


def supervisor_escalation_due(calendar, row):
    """The date a stage still overdue goes to the supervisors (level 2): the case's policy's
    working days after the first overdue day (the day after the due date is day 0)."""
    return calendar.add_working_days(row.due_on + timedelta(days=1),
                                     row.case.deadline_policy.supervisor_escalation_working_days)


def _escalate_to_supervisors(calendar, today, now, counts):
    """Level 2: overdue stages not yet escalated to the supervisors whose waiting time is over."""
    waits = set(DeadlinePolicy.objects.values_list("supervisor_escalation_working_days", flat=True)) or {0}
    # N working days after the first overdue day are at least N calendar days after it, so no row
    # due on or after `today - min(waits)` can be ready: the read stops there.
    for row in _rows(Q(overdue_at__isnull=False, due_on__lt=today - timedelta(days=min(waits))),
                     "escalated_supervisor_at"):
        if supervisor_escalation_due(calendar, row) > today:
            continue  # this case's policy waits longer; a later sweep escalates it
        with transaction.atomic():
            if _stop_if_closed(row, now) or not _claim(row, escalated_supervisor_at=now):
                continue
            counts["escalated"] += 1
            counts["notifications"] += _send(users_with_role(roles.SUPERVISOR), ESCALATED, row, today)


def _at_risk(calendar, today, now, counts):
    horizon = calendar.add_working_days(today, AT_RISK_WORKING_DAYS)
    for row in _rows(Q(stage__in=REGULATORY_STAGES, due_on__lte=horizon), "at_risk_notified_at"):
        with transaction.atomic():
            if _stop_if_closed(row, now) or not _claim(row, at_risk_notified_at=now):
                continue
            counts["at_risk"] += 1
            counts["notifications"] += _send(users_with_role(roles.SUPERVISOR), AT_RISK, row, today)


def _reminders(calendar, today, now, counts):
    leads = set(DeadlinePolicy.objects.values_list("reminder_lead_days", flat=True)) or {1}
    horizons = {lead: calendar.add_working_days(today, lead) for lead in leads}
    for row in _rows(Q(due_on__lte=max(horizons.values())), "reminded_at"):
        if row.due_on > horizons[row.case.deadline_policy.reminder_lead_days]:
            continue  # this case's policy reminds later
        with transaction.atomic():
            if _stop_if_closed(row, now) or not _claim(row, reminded_at=now):
                continue
            counts["reminded"] += 1
            counts["notifications"] += _send(assignees(row.case, row.stage), REMINDER, row, today)


def _alert_calendar_missing(exc, today):
    subject = _("Deadline sweep stopped: %(message)s") % {"message": exc.message}
    for admin in users_with_role(roles.ADMINISTRATOR):
        notify(admin, "calendar_missing", subject, exc.message,
               dedupe_key=f"calendar_missing:{today.isoformat()}:{admin.pk}")


def run_sweep(now=None):
    """One pass of the beat job; returns {"overdue", "escalated", "at_risk", "reminded",
    "notifications"}. Overdue first (no reminder for what is already late), then the
    supervisors' escalation (a stage found overdue long after its due date reaches both levels
    in one pass), then at-risk, then reminders; a calendar gap alerts the administrators once a
    day and is returned under "error"."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"overdue": 0, "escalated": 0, "at_risk": 0, "reminded": 0, "notifications": 0}
    with transaction.atomic():
        counts["notifications"] += sweep_overdue_agreements(now)  # SPEC §11
    try:
        _overdue(today, now, counts)
        calendar = load_calendar()
        _escalate_to_supervisors(calendar, today, now, counts)
        _at_risk(calendar, today, now, counts)
        _reminders(calendar, today, now, counts)
    except CalendarMissing as exc:
        logger.error("Deadline sweep: %s", exc.message)
        with transaction.atomic():
            _alert_calendar_missing(exc, today)
        counts["error"] = exc.code
        counts["missing_years"] = exc.extra.get("missing_years", [])
    if counts["overdue"] or counts["escalated"] or counts["at_risk"] or counts["reminded"]:
        logger.info("Deadline sweep: %s", counts)
    return counts
