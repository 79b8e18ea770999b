"""The deadline sweep run by Celery beat: remind, mark overdue, escalate (SPEC §4).

Each step reads only open deadline rows whose stamp for it is still empty, through a partial
index on exactly that condition, so an idle sweep reads almost nothing. Each row is claimed
with a conditional UPDATE in its own small transaction with the notifications it causes: two
sweeps cannot both claim a row, and a killed worker's claim rolls back."""
import logging

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common import roles
from complaints_portal.common.errors import CalendarMissing

from .calendar import load_calendar
from .deadlines.compute import REGULATORY_STAGES
from .mediations import sweep_overdue_agreements
from .models import CaseDeadline, DeadlinePolicy
from .models.case import OPEN_STATUSES
from .models.deadlines import Stage
from .notifications import assignees, department_heads, notify, users_with_role
from .substitutes import with_substitutes

logger = logging.getLogger(__name__)

OPEN = Q(met_at__isnull=True, stopped_at__isnull=True)
AT_RISK_WORKING_DAYS = 1


# -- messages ------------------------------------------------------------------------------
def _stage_label(stage):
    return str(Stage(stage).label)


def _send(users, kind, row, subject, body, *, today):
    """Notifies ``users`` and the substitutes of those absent ``today``, each once per row,
    kind and due date."""
    sent = 0
    for user in with_substitutes(users, today):
        _, created = notify(
            user, kind, subject, body, case=row.case,
            dedupe_key=f"deadline:{kind}:{row.pk}:{row.due_on.isoformat()}:{user.pk}",
        )
        sent += created
    return sent


def _text(row):
    return {"ref": row.case.reference, "stage": _stage_label(row.stage), "due": row.due_on.isoformat()}


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
            stamps = {"overdue_at": now, "escalated_head_at": now,
                      "reminded_at": Coalesce("reminded_at", Value(now))}
            if regulatory:
                stamps.update(escalated_supervisor_at=now, at_risk_notified_at=Coalesce("at_risk_notified_at", Value(now)))
            if not _claim(row, **stamps):
                continue
            counts["overdue"] += 1
            heads = department_heads(row.case) or users_with_role(roles.SUPERVISOR)
            subject = _("Overdue: %(ref)s %(stage)s was due %(due)s") % _text(row)
            counts["notifications"] += _send(heads, "deadline_overdue", row, subject, row.explanation, today=today)
            if regulatory:
                subject = _("Regulatory deadline passed: %(ref)s %(stage)s was due %(due)s") % _text(row)
                counts["notifications"] += _send(
                    users_with_role(roles.SUPERVISOR), "deadline_passed_supervisor", row, subject, row.explanation,
                    today=today)


def _at_risk(calendar, today, now, counts):
    horizon = calendar.add_working_days(today, AT_RISK_WORKING_DAYS)
    for row in _rows(Q(stage__in=REGULATORY_STAGES, due_on__lte=horizon), "at_risk_notified_at"):
        with transaction.atomic():
            if _stop_if_closed(row, now) or not _claim(row, at_risk_notified_at=now):
                continue
            counts["at_risk"] += 1
            subject = _("At risk: %(ref)s %(stage)s is due %(due)s") % _text(row)
            counts["notifications"] += _send(
                users_with_role(roles.SUPERVISOR), "deadline_at_risk", row, subject, row.explanation, today=today)


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
            subject = _("Reminder: %(ref)s %(stage)s is due %(due)s") % _text(row)
            counts["notifications"] += _send(assignees(row.case, row.stage), "deadline_reminder", row, subject,
                                             row.explanation, today=today)


def _alert_calendar_missing(exc, today):
    subject = _("Deadline sweep stopped: %(message)s") % {"message": exc.message}
    for admin in users_with_role(roles.ADMINISTRATOR):
        notify(admin, "calendar_missing", subject, exc.message,
               dedupe_key=f"calendar_missing:{today.isoformat()}:{admin.pk}")


def run_sweep(now=None):
    """One pass of the beat job; returns {"overdue", "at_risk", "reminded", "notifications"}.
    Overdue first (no reminder for what is already late), then at-risk, then reminders; a
    calendar gap alerts the administrators once a day and is returned under "error"."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"overdue": 0, "at_risk": 0, "reminded": 0, "notifications": 0}
    with transaction.atomic():
        counts["notifications"] += sweep_overdue_agreements(now)  # SPEC §11
    try:
        _overdue(today, now, counts)
        calendar = load_calendar()
        _at_risk(calendar, today, now, counts)
        _reminders(calendar, today, now, counts)
    except CalendarMissing as exc:
        logger.error("Deadline sweep: %s", exc.message)
        with transaction.atomic():
            _alert_calendar_missing(exc, today)
        counts["error"] = exc.code
        counts["missing_years"] = exc.extra.get("missing_years", [])
    if counts["overdue"] or counts["at_risk"] or counts["reminded"]:
        logger.info("Deadline sweep: %s", counts)
    return counts
