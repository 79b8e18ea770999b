"""The CaseDeadline rows of a case: written at intake, kept by every action's deadline effect,
recomputed after a configuration change, explained in the reader's language. Functions set
`due_overall` / `next_due` in memory; the lifecycle service saves the case."""
import logging

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ApplicationError, CalendarMissing

from ..calendar import load_calendar
from ..models import CaseDeadline, Complaint
from ..models.case import OPEN_STATUSES
from ..models.deadlines import Stage
from ..signals import case_changed
from . import configuration
from .compute import calendar_due, clock_inputs, compute_deadlines, emergency_due, local_date, paused_days

logger = logging.getLogger(__name__)


class Clock:
    """What an action does to the clock besides meeting stages (cases.actions, `clock`)."""

    STOP = "stop"  # nothing more is owed on the case: its open rows stop being tracked
    RECOMPUTE = "recompute"  # an input of the computation changed: every open row is recomputed
    OPEN_REVIEW = "open_review"  # a dispute: the review deadline runs from its receipt
    OPEN_EMERGENCY = "open_emergency"  # marked major: the emergency report is due in hours (SPEC §12)


# A row's reminder and escalation stamps, cleared when its due date moves.
UNSENT = dict.fromkeys(("reminded_at", "overdue_at", "escalated_head_at", "escalated_supervisor_at", "at_risk_notified_at"))


def _refresh_case_dates(case):
    overall = CaseDeadline.objects.filter(case=case, stage=Stage.OVERALL).values_list("due_on", flat=True).first()
    if overall is not None:
        case.due_overall = overall
    case.next_due = CaseDeadline.objects.filter(
        case=case, met_at__isnull=True, stopped_at__isnull=True).aggregate(m=Min("due_on"))["m"]


def apply_deadlines(case, calendar=None, today=None, _rules_cache=None):
    """Write the case's CaseDeadline rows and set `due_overall` / `next_due` in memory (the caller
    saves the case). Met or stopped rows keep their due date; a moved due date clears the row's
    reminder and escalation stamps. Returns [(stage, old_due, new_due)]; raises CalendarMissing."""
    if case.pk is None:
        raise ValueError("apply_deadlines needs a saved case")
    calendar = calendar or load_calendar()
    computed = compute_deadlines(case, calendar, today=today, _rules_cache=_rules_cache)
    existing = {row.stage: row for row in CaseDeadline.objects.filter(case=case)}
    changes = []
    for stage, (due, text) in computed.items():
        row = existing.get(stage)
        if row is None:
            CaseDeadline.objects.create(case=case, stage=stage, due_on=due, explanation=text)
            changes.append((stage, None, due))
            continue
        if row.met_at or row.stopped_at:
            continue
        if row.due_on != due or row.explanation != text:
            fields = {"explanation": text}
            if row.due_on != due:
                changes.append((stage, row.due_on, due))
                fields.update(due_on=due, **UNSENT)
            CaseDeadline.objects.filter(pk=row.pk).update(**fields)
    _refresh_case_dates(case)
    return changes


def initial_deadlines(case, calendar=None, computed=None):
    """The unsaved CaseDeadline rows of a case being registered (no extensions or pauses yet), and
    its `due_overall` / `next_due` set in memory. ``computed``: compute_deadlines' result when
    the caller has it (intake's memo). Raises CalendarMissing."""
    if case.pk is not None:
        raise ValueError("initial_deadlines is for a case not saved yet; use apply_deadlines")
    if computed is None:
        computed = compute_deadlines(case, calendar or load_calendar())
    rows = [CaseDeadline(case=case, stage=stage, due_on=due, explanation=text) for stage, (due, text) in computed.items()]
    case.due_overall = computed[Stage.OVERALL.value][0]
    case.next_due = min(row.due_on for row in rows)
    return rows


def on_action(case, at, *, meets=(), clock=None, met_at=None):
    """Apply an action's deadline effect (inside the lifecycle service's transaction, after the
    handler): mark the stages it meets (at ``met_at``, default ``at``: a decision is met when its
    proof of notice says it was sent), then its Clock effect; the caller saves the case."""
    if meets:
        CaseDeadline.objects.filter(
            case=case, stage__in=[s.value for s in meets], met_at__isnull=True, stopped_at__isnull=True
        ).update(met_at=met_at or at)
    if clock == Clock.STOP:
        CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True).update(stopped_at=at)
    elif clock == Clock.OPEN_REVIEW:
        dispute_date = local_date(case.disputed_at or at)
        due, text = calendar_due(
            load_calendar(), dispute_date, case.deadline_policy.review_days,
            paused_days(case, since=dispute_date), _("disputed"),
        )
        # A further dispute after a review decision opens the review clock again.
        CaseDeadline.objects.update_or_create(
            case=case, stage=Stage.REVIEW,
            defaults={"due_on": due, "explanation": text, "met_at": None, "stopped_at": None, **UNSENT},
        )
    elif clock == Clock.OPEN_EMERGENCY:
        due_at, text = emergency_due(case.deadline_policy, at)
        CaseDeadline.objects.update_or_create(
            case=case, stage=Stage.EMERGENCY_REPORT,
            defaults={"due_on": local_date(due_at), "due_at": due_at, "explanation": text, "met_at": None,
                      "stopped_at": None, **UNSENT},
        )
    elif clock == Clock.RECOMPUTE:
        apply_deadlines(case)
        return
    _refresh_case_dates(case)


def explain_in_language(case, rows, extensions, pauses, token=None):
    """Redo the rows' explanations in the reader's language where the due date is still the one
    the rules give today; a calendar gap leaves the stored texts. ``token``: the configuration's
    version token if the caller read it (configuration.memo)."""
    try:
        current = configuration.memo(token)
        if current is not None:
            fresh = current.deadlines_for_case(case, extensions, pauses)
        else:
            fresh = compute_deadlines(case, load_calendar(), inputs=clock_inputs(case, extensions=extensions, pauses=pauses))
    except ApplicationError:
        return
    for row in rows:
        due, text = fresh.get(row.stage, (None, None))
        if due == row.due_on and text:
            row.explanation = text


# -- recomputation after a calendar or policy change ----------------------------------------
def recompute_open_cases(reason, policy_id=None):
    """Recompute the deadlines of every open case (of one policy version if given); returns
    {"reason", "cases", "changed", "errors"} and logs each change."""
    calendar = load_calendar()
    cache = {}
    cases = Complaint.objects.filter(status__in=OPEN_STATUSES).select_related("deadline_policy").order_by("pk")
    if policy_id is not None:
        cases = cases.filter(deadline_policy_id=policy_id)
    summary = {"reason": reason, "cases": 0, "changed": [], "errors": []}
    for case in cases.iterator(chunk_size=500):
        summary["cases"] += 1
        try:
            with transaction.atomic():
                before = (case.due_overall, case.next_due)
                changes = apply_deadlines(case, calendar, _rules_cache=cache)
                if (case.due_overall, case.next_due) != before:
                    case.save(update_fields=["due_overall", "next_due", "updated_at"])
                if changes:
                    case_changed.send(sender=type(case), case=case)
        except CalendarMissing as exc:
            summary["errors"].append({"case": case.reference, "error": exc.message})
            logger.error("Deadline recompute (%s): %s: %s", reason, case.reference, exc.message)
            continue
        for stage, old, new in changes:
            if old is None:
                continue
            summary["changed"].append({"case": case.reference, "stage": stage, "old": str(old), "new": str(new)})
            logger.info("Deadline recompute (%s): %s %s %s → %s", reason, case.reference, stage, old, new)
    logger.info("Deadline recompute (%s): %s open cases, %s dates changed, %s errors",
                reason, summary["cases"], len(summary["changed"]), len(summary["errors"]))
    return summary
