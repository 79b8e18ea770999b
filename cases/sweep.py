"""The deadline sweep run by Celery beat: remind, mark overdue, escalate (SPEC §4).

A major complaint's emergency report (stage emergency_report, due in hours) is swept as a stage:
overdue once its moment has passed, then the same two levels.

Two escalation levels over time: level 1 to the department head when a stage becomes overdue
(the supervisors at once when the department has no head), level 2 to the supervisors when it
is still overdue the case's policy's ``supervisor_escalation_working_days`` (default 2) working
days later; a passed regulatory deadline goes to both at once.

Each step reads only open deadline rows whose stamp for it is still empty, through a partial
index on exactly that condition, so an idle sweep reads almost nothing. The rows are claimed in
chunks (``_Sweep.step``): a chunk's rows are locked FOR UPDATE SKIP LOCKED, stamped in one or a
few UPDATEs and their notifications written in bulk, all in one transaction: two sweeps cannot
both claim a row, and a killed worker's chunk rolls back whole. Row by row (a transaction, a
conditional UPDATE, the heads read again and a get_or_create with its savepoint per deadline:
8.1 queries each) a backlog of 20,000 newly overdue deadlines took about 12 ms per deadline;
bench/README.md has the figures of the chunked sweep."""
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common import roles
from complaints_portal.common.errors import CalendarMissing

from .calendar import load_calendar
from .deadlines.compute import REGULATORY_STAGES
from .mediations import sweep_overdue_agreements
from .models import CaseDeadline, DeadlinePolicy, DepartmentMembership
from .models.case import OPEN_STATUSES
from .models.deadlines import Stage
from .notification_texts import joined, local_date, register
from .notifications import People, assignees, notify, notify_grouped_many, users_with_role
from .substitutes import substitutes_on, with_substitutes

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


# -- chunks ----------------------------------------------------------------------------------
# Rows per chunk: one transaction each. At 500 the per-chunk statements (about a dozen) cost
# less than 0.1 ms per row; larger chunks hold their row locks longer for no measurable gain
# (bench/README.md, "Deadline sweep in chunks").
CHUNK = 500


class _Chunk:
    """One chunk's writes: the stamps each claimed row gets (applied in one UPDATE per set of
    stamps, usually one or two), the rows to stop, and the messages it causes."""

    def __init__(self, sweep):
        self.sweep = sweep
        self.stamps = {}
        self.stop = []
        self.messages = []

    def claim(self, row, **stamps):
        """``row`` (locked by this chunk) gets ``stamps``; a None value keeps what the row has."""
        values = tuple(sorted((name, value) for name, value in stamps.items() if value is not None))
        self.stamps.setdefault(values, []).append(row.pk)

    def send(self, users, kind, row):
        """The stage of ``row`` joins the day's notification of its case to each of ``users`` and
        the substitutes of those absent today (cases.notifications.notify_grouped_many)."""
        item = {"stage": row.stage, "due": row.due_on.isoformat(), "row": row.pk}
        params = {"ref": row.case.reference}
        self.messages.extend((user, kind, row.case, item, params) for user in self.sweep.told(users))

    def write(self):
        for values, pks in self.stamps.items():
            CaseDeadline.objects.filter(pk__in=pks).update(**dict(values))
        if self.stop:
            CaseDeadline.objects.filter(pk__in=self.stop).update(stopped_at=self.sweep.now)
        return notify_grouped_many(self.messages, day=self.sweep.today)


class _Sweep:
    """One run: its clock, its counts and who is told (read once per run, not per row)."""

    def __init__(self, now):
        self.now = now
        self.today = timezone.localdate(now)
        self.counts = {"overdue": 0, "escalated": 0, "at_risk": 0, "reminded": 0, "notifications": 0}
        self.people = People()
        self._absent = None

    def supervisors(self):
        return self.people.with_role(roles.SUPERVISOR)

    def heads(self, case):
        return self.people.department(case.department_id, DepartmentMembership.Role.HEAD)

    def told(self, users):
        if self._absent is None:
            self._absent = substitutes_on(self.today)
        return with_substitutes(users, self.today, self._absent)

    def step(self, condition, stamp, handle, related=("case",), prepare=None):
        """Hand ``handle(chunk, row)`` each open row still lacking ``stamp``, CHUNK rows at a time
        by (due_on, pk), each chunk locked and written in one transaction with what it causes.

        Exactly once: the rows are read FOR UPDATE SKIP LOCKED under the same condition, so a
        concurrent sweep skips what this one holds and, once it commits, no longer matches it
        (PostgreSQL re-checks the condition on the row's newest version); a chunk that fails rolls
        back whole. Rows of a case no longer open are stopped without a message."""
        base = (CaseDeadline.objects.filter(OPEN, condition, **{f"{stamp}__isnull": True})
                .order_by("due_on", "pk").select_for_update(skip_locked=True, of=("self",)))
        after = Q()
        while True:
            with transaction.atomic():
                # Cases by primary key, not joined: a join let the planner scan the whole table.
                rows = list(base.filter(after).prefetch_related(*related)[:CHUNK])
                chunk = _Chunk(self)
                if prepare and rows:
                    prepare([row.case for row in rows])
                for row in rows:
                    if row.case.status in OPEN_STATUSES:
                        handle(chunk, row)
                    else:  # a case closed without on_action (e.g. an import)
                        chunk.stop.append(row.pk)
                self.counts["notifications"] += chunk.write()
            if len(rows) < CHUNK:
                return
            last = rows[-1]
            after = Q(due_on__gt=last.due_on) | Q(due_on=last.due_on, pk__gt=last.pk)

    def load_heads(self, cases):
        self.people.load(cases, [DepartmentMembership.Role.HEAD])


# -- steps ---------------------------------------------------------------------------------
def _overdue(sweep):
    def handle(chunk, row):
        regulatory = row.stage in REGULATORY_STAGES
        heads = sweep.heads(row.case)
        now = sweep.now
        # The supervisors hear of it now when nothing is left for level 2 to add later.
        chunk.claim(row, overdue_at=now, escalated_head_at=now,
                    reminded_at=now if row.reminded_at is None else None,
                    at_risk_notified_at=now if regulatory and row.at_risk_notified_at is None else None,
                    escalated_supervisor_at=now if regulatory or not heads else None)
        sweep.counts["overdue"] += 1
        chunk.send(heads or sweep.supervisors(), OVERDUE, row)
        if regulatory:
            chunk.send(sweep.supervisors(), PASSED, row)

    # A date passed, or, for a deadline counted in hours (a major complaint's emergency report,
    # SPEC §12), its moment passed today; the due_on bound keeps the read on the partial index.
    sweep.step(Q(due_on__lte=sweep.today) & (Q(due_on__lt=sweep.today) | Q(due_at__lt=sweep.now)), "overdue_at",
               handle, prepare=sweep.load_heads)


def supervisor_escalation_due(calendar, row):
    """The date a stage still overdue goes to the supervisors (level 2): the case's policy's
    working days after the first overdue day (the day after the due date is day 0)."""
    return calendar.add_working_days(row.due_on + timedelta(days=1),
                                     row.case.deadline_policy.supervisor_escalation_working_days)


def _escalate_to_supervisors(sweep, calendar):
    """Level 2: overdue stages not yet escalated to the supervisors whose waiting time is over."""
    waits = set(DeadlinePolicy.objects.values_list("supervisor_escalation_working_days", flat=True)) or {0}

    def handle(chunk, row):
        if supervisor_escalation_due(calendar, row) > sweep.today:
            return  # this case's policy waits longer; a later sweep escalates it
        chunk.claim(row, escalated_supervisor_at=sweep.now)
        sweep.counts["escalated"] += 1
        chunk.send(sweep.supervisors(), ESCALATED, row)

    # N working days after the first overdue day are at least N calendar days after it, so no row
    # due on or after `today - min(waits)` can be ready: the read stops there.
    sweep.step(Q(overdue_at__isnull=False, due_on__lt=sweep.today - timedelta(days=min(waits))),
               "escalated_supervisor_at", handle, related=("case", "case__deadline_policy"))


def _at_risk(sweep, calendar):
    horizon = calendar.add_working_days(sweep.today, AT_RISK_WORKING_DAYS)

    def handle(chunk, row):
        chunk.claim(row, at_risk_notified_at=sweep.now)
        sweep.counts["at_risk"] += 1
        chunk.send(sweep.supervisors(), AT_RISK, row)

    sweep.step(Q(stage__in=REGULATORY_STAGES, due_on__lte=horizon), "at_risk_notified_at", handle)


def _reminders(sweep, calendar):
    leads = set(DeadlinePolicy.objects.values_list("reminder_lead_days", flat=True)) or {1}
    horizons = {lead: calendar.add_working_days(sweep.today, lead) for lead in leads}

    def handle(chunk, row):
        if row.due_on > horizons[row.case.deadline_policy.reminder_lead_days]:
            return  # this case's policy reminds later
        chunk.claim(row, reminded_at=sweep.now)
        sweep.counts["reminded"] += 1
        chunk.send(assignees(row.case, row.stage, sweep.people), REMINDER, row)

    def prepare(cases):
        sweep.people.load(cases, [DepartmentMembership.Role.HEAD, DepartmentMembership.Role.INVESTIGATOR], leads=True)

    sweep.step(Q(due_on__lte=max(horizons.values())), "reminded_at", handle,
               related=("case", "case__registered_by", "case__deadline_policy"), prepare=prepare)


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
    sweep = _Sweep(now or timezone.now())
    counts, today = sweep.counts, sweep.today
    with transaction.atomic():
        counts["notifications"] += sweep_overdue_agreements(sweep.now)  # SPEC §11
    try:
        _overdue(sweep)
        calendar = load_calendar()
        _escalate_to_supervisors(sweep, calendar)
        _at_risk(sweep, calendar)
        _reminders(sweep, calendar)
    except CalendarMissing as exc:
        logger.error("Deadline sweep: %s", exc.message)
        with transaction.atomic():
            _alert_calendar_missing(exc, today)
        counts["error"] = exc.code
        counts["missing_years"] = exc.extra.get("missing_years", [])
    if counts["overdue"] or counts["escalated"] or counts["at_risk"] or counts["reminded"]:
        logger.info("Deadline sweep: %s", counts)
    return counts
