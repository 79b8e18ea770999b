"""Stage and overall due dates of a case, each with the explanation shown on the case page.

SPEC §4. The overall (regulatory) deadline counts calendar days from D0 by the tier in force,
plus paused days, rolled forward to a working day; each stage is the n-th working day after D0
by the most specific rule of the case's policy version, capped at the overall due date. A
dispute opens a review whose own deadline counts from the dispute; it never moves `overall`.

Who keeps what in sync:
- The tier in force is derived from Extension rows, not from `case.tier`: it is the `to_tier`
  of the last extension with `counts=True`, else simple. An extension recorded late is kept for
  the record but changes nothing (`extension_check`). Legacy imports carry no Extension rows, so
  for them `case.tier` is taken as given (SPEC §9 import_complaints).
- `apply_deadlines` writes CaseDeadline rows and sets `case.due_overall` / `case.next_due` in
  memory; the caller (the lifecycle service, inside its transaction) saves the case.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import timedelta
from functools import lru_cache

from django.db import transaction
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints_portal.common.errors import CalendarMissing

from .calendar import load_calendar
from .models import (
    CalendarDay,
    CalendarYear,
    CaseDeadline,
    DeadlinePolicy,
    Extension,
    Pause,
    StageRule,
)
from .models.case import OPEN_STATUSES
from .models.deadlines import STAGE_ORDER, Stage, Tier
from .signals import case_changed

logger = logging.getLogger(__name__)

REGULATORY_STAGES = (Stage.OVERALL, Stage.REVIEW)

# Lifecycle action -> stages it fulfils. notify_decision is resolved by round (see on_action).
ACTION_MEETS = {
    "acknowledge": [Stage.ACKNOWLEDGE],
    "assign": [Stage.DISPATCH],
    "form_team": [Stage.FORM_TEAM],
    "submit_report": [Stage.REPORT],
    "propose_plan": [Stage.PLAN],
    "approve_plan": [Stage.APPROVAL],
}
# Actions after which nothing more is owed on the case: open rows stop being tracked.
STOPPING_ACTIONS = {"withdraw", "close", "customer_accepts", "merge", "archive"}
# Actions that change an input of the computation: recompute every open row.
RECOMPUTING_ACTIONS = {"extend", "pause", "resume", "restart_clock", "reassign"}


# -- formatting ----------------------------------------------------------------------------
def fmt(d):
    """"Fri 2025-09-26": weekday in the active language, ISO date."""
    return _fmt_in(d, get_language())


@lru_cache(maxsize=8192)
def _fmt_in(d, language):
    # date_format goes through the locale machinery on every call; an explanation formats
    # about fifteen dates, and the legacy import computes thousands of explanations, so the
    # result is memoised per (date, language). Bounded: a few years of dates × languages.
    return f"{date_format(d, 'D')} {d.isoformat()}"


def _day_kind(calendar, d):
    name = calendar.day_name(d)
    if d in calendar.workdays:
        return _("a make-up workday") + (f" ({name})" if name else "")
    if d in calendar.holidays:
        return _("a holiday") + (f" ({name})" if name else "")
    if d.weekday() >= 5:
        return _("a weekend day")
    return _("a working day")


# -- inputs --------------------------------------------------------------------------------
def local_date(dt):
    return timezone.localdate(dt) if timezone.is_aware(dt) else dt.date()


def effective_tier(case, extensions=None):
    """Tier in force: the last counting extension's target, else simple (legacy: as recorded).

    ``extensions``: the case's Extension rows when the caller has already read them all (the
    case page lists them); then nothing is queried."""
    if case.pk is None:
        return case.tier if case.is_legacy else Tier.SIMPLE
    if extensions is not None:
        counting = [e for e in extensions if e.counts]
        last = max(counting, key=lambda e: (e.decided_at, e.pk)).to_tier if counting else None
    else:
        last = (
            Extension.objects.filter(case=case, counts=True).order_by("-decided_at", "-id")
            .values_list("to_tier", flat=True).first()
        )
    if last:
        return last
    return case.tier if case.is_legacy else Tier.SIMPLE


def paused_days(case, today=None, since=None, before=None, pauses=None):
    """Calendar days the clock stood still: end − start of each pause (an open pause runs to
    today). `since`/`before` select the pauses of the review or of the first round.
    ``pauses``: the case's Pause rows when the caller has already read them all."""
    if case.pk is None:
        return 0
    today = today or timezone.localdate()
    total = 0
    spans = ((p.start, p.end) for p in pauses) if pauses is not None else \
        Pause.objects.filter(case=case).values_list("start", "end")
    for start, end in spans:
        if since is not None and start < since:
            continue
        if before is not None and start >= before:
            continue
        total += max(0, ((end or today) - start).days)
    return total


def stage_rules(policy, tier, category, channel, _cache=None):
    """{stage: (working_days, rule)} choosing the most specific rule of each stage:
    category and channel > channel > category > blank."""
    key = (policy.pk, tier)
    if _cache is not None and key in _cache:
        rules = _cache[key]
    else:
        rules = list(StageRule.objects.filter(policy=policy, tier=tier))
        if _cache is not None:
            _cache[key] = rules
    best = {}
    for rule in rules:
        if rule.category not in ("", category) or rule.channel not in ("", channel):
            continue
        score = (2 if rule.channel else 0) + (1 if rule.category else 0)
        if rule.stage not in best or score > best[rule.stage][0]:
            best[rule.stage] = (score, rule)
    return {stage: (rule.working_days, rule) for stage, (score, rule) in best.items()}


# -- the computation -----------------------------------------------------------------------
def _calendar_due(calendar, d0, days, pause, label):
    """(due date, explanation) of "d0 + days (+ pause) calendar days, rolled forward"."""
    target = d0 + timedelta(days=days + pause)
    due = calendar.calendar_deadline(d0, days, pause)
    parts = [_("%(label)s %(d0)s") % {"label": label, "d0": fmt(d0)}]
    if pause:
        step = _("+%(n)s calendar days + %(p)s paused days = %(t)s") % {"n": days, "p": pause, "t": fmt(target)}
    else:
        step = _("+%(n)s calendar days = %(t)s") % {"n": days, "t": fmt(target)}
    if due == target:
        step += _(", %(kind)s, so due %(due)s") % {"kind": _day_kind(calendar, target), "due": due.isoformat()}
    else:
        step += _(", %(kind)s; next working day %(due)s, so due %(dueiso)s") % {
            "kind": _day_kind(calendar, target), "due": fmt(due), "dueiso": due.isoformat(),
        }
    parts.append(step)
    # Translators: separator between the steps of a deadline explanation.
    return due, _("; ").join(parts)


def clock_inputs(case, today=None, extensions=None, pauses=None):
    """(tier in force, dispute date, paused days of the first round, paused days of the review):
    what compute_deadlines takes from the case's extensions and pauses. ``extensions`` /
    ``pauses``: the case's rows when the caller has read them (else two or three queries)."""
    tier = effective_tier(case, extensions)
    dispute_date = local_date(case.disputed_at) if case.round > 1 and case.disputed_at else None
    first_round_pause = paused_days(case, today, before=dispute_date, pauses=pauses)
    review_pause = paused_days(case, today, since=dispute_date, pauses=pauses) if dispute_date is not None else 0
    return tier, dispute_date, first_round_pause, review_pause


def compute_deadlines(case, calendar, today=None, _rules_cache=None, *, policy=None, inputs=None):
    """Ordered {stage: (due_date, explanation)} for `case` under `calendar` (SPEC §4).

    Pure apart from reading the case's policy, stage rules, extensions and pauses. Raises
    CalendarMissing when a needed date lies in a year the calendar does not cover.
    ``policy``: the case's DeadlinePolicy when the caller has it; ``inputs``: clock_inputs(case)
    when the caller has computed them.
    """
    policy = policy or case.deadline_policy
    d0 = case.clock_start
    tier, dispute_date, first_round_pause, review_pause = inputs or clock_inputs(case, today)

    result = OrderedDict()
    tier_label = Tier(tier).label
    overall_due, overall_text = _calendar_due(calendar, d0, policy.overall_days(tier), first_round_pause, _("received"))
    overall_text = _("%(tier)s tier: ") % {"tier": tier_label} + overall_text

    rules = stage_rules(policy, tier, case.category, case.channel, _cache=_rules_cache)
    for stage in STAGE_ORDER:
        if stage not in rules:
            continue
        n, rule = rules[stage]
        raw = calendar.add_working_days(d0, n)
        text = _("received %(d0)s; %(n)s working days after = %(raw)s") % {"d0": fmt(d0), "n": n, "raw": fmt(raw)}
        if raw > overall_due:
            text += _("; capped at the regulatory due date %(due)s") % {"due": overall_due.isoformat()}
            due = overall_due
        else:
            due = raw
        text += _(" (policy v%(v)s)") % {"v": policy.version}
        result[stage.value] = (due, text)
    result[Stage.OVERALL.value] = (overall_due, overall_text)

    if dispute_date is not None:
        result[Stage.REVIEW.value] = _calendar_due(calendar, dispute_date, policy.review_days, review_pause, _("disputed"))
    return result


def _open_due_dates(case):
    return CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True).aggregate(m=Min("due_on"))["m"]


def _refresh_case_dates(case):
    overall = CaseDeadline.objects.filter(case=case, stage=Stage.OVERALL).values_list("due_on", flat=True).first()
    if overall is not None:
        case.due_overall = overall
    case.next_due = _open_due_dates(case)


def apply_deadlines(case, calendar=None, today=None, _rules_cache=None):
    """Write the case's CaseDeadline rows and set `case.due_overall` / `case.next_due` in memory.

    Rows already met or stopped keep their due date (the act was judged against it). A row
    whose due date moves gets its reminder/escalation stamps cleared, so the new date is
    reminded and escalated in its turn. Returns [(stage, old_due, new_due)] of what changed.
    The caller saves the case. Raises CalendarMissing (nothing is written then).
    """
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
                fields.update(due_on=due, reminded_at=None, overdue_at=None, escalated_head_at=None,
                              escalated_supervisor_at=None, at_risk_notified_at=None)
            CaseDeadline.objects.filter(pk=row.pk).update(**fields)
    _refresh_case_dates(case)
    return changes


def initial_deadlines(case, calendar=None, computed=None):
    """The CaseDeadline rows of a case being registered, unsaved, and its `due_overall` /
    `next_due` set in memory: what `apply_deadlines` writes for a new case, computed before
    the case is saved, so that intake inserts the case once and the rows in one statement.

    A case without a pk has no extensions and no pauses, so this reads nothing but the stage
    rules. `computed`: compute_deadlines' result for this case when the caller has it
    (intake memoises it, cases.deadline_inputs). Raises CalendarMissing (nothing is computed then).
    """
    if case.pk is not None:
        raise ValueError("initial_deadlines is for a case not saved yet; use apply_deadlines")
    if computed is None:
        computed = compute_deadlines(case, calendar or load_calendar())
    rows = [CaseDeadline(case=case, stage=stage, due_on=due, explanation=text) for stage, (due, text) in computed.items()]
    case.due_overall = computed[Stage.OVERALL.value][0]
    case.next_due = min(row.due_on for row in rows)
    return rows


def on_action(case, action, at):
    """Record what a lifecycle action means for the deadlines; called by the lifecycle service
    after each transition, inside its transaction, with the case's round already updated.

    Marks fulfilled stages met, stops tracking on withdraw/close/accept/merge/archive, opens the
    review deadline on a dispute, recomputes after extend/pause/resume/restart. Sets
    `case.next_due` (and `due_overall`) in memory; the caller saves the case.
    """
    stages = list(ACTION_MEETS.get(action, []))
    if action == "notify_decision":
        stages = [Stage.DECISION, Stage.OVERALL] if case.round <= 1 else [Stage.REVIEW]
    if stages:
        CaseDeadline.objects.filter(
            case=case, stage__in=[s.value for s in stages], met_at__isnull=True, stopped_at__isnull=True
        ).update(met_at=at)
    elif action in STOPPING_ACTIONS:
        CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True).update(stopped_at=at)
    elif action == "customer_disputes":
        calendar = load_calendar()
        dispute_date = local_date(case.disputed_at or at)
        due, text = _calendar_due(
            calendar, dispute_date, case.deadline_policy.review_days,
            paused_days(case, since=dispute_date), _("disputed"),
        )
        # A further dispute after a review decision opens the review clock again.
        CaseDeadline.objects.update_or_create(
            case=case, stage=Stage.REVIEW,
            defaults={"due_on": due, "explanation": text, "met_at": None, "stopped_at": None,
                      "reminded_at": None, "overdue_at": None, "escalated_head_at": None,
                      "escalated_supervisor_at": None, "at_risk_notified_at": None},
        )
    elif action in RECOMPUTING_ACTIONS:
        apply_deadlines(case)
        return
    _refresh_case_dates(case)


def extension_check(case, to_tier, at, calendar=None):
    """(counts, due_before) for an extension to `to_tier` recorded at `at`.

    Complex counts when recorded (local date) on or before the 15-day (simple) due date;
    especially complex when on or before the due date currently in force. The service stores
    both on the Extension row and then calls apply_deadlines: a non-counting extension does
    not move any date, because the tier in force only follows counting extensions.
    """
    calendar = calendar or load_calendar()
    policy = case.deadline_policy
    pause = paused_days(case)
    if to_tier == Tier.COMPLEX:
        due_before = calendar.calendar_deadline(case.clock_start, policy.simple_days, pause)
    else:
        due_before = calendar.calendar_deadline(case.clock_start, policy.overall_days(effective_tier(case)), pause)
    return local_date(at) <= due_before, due_before


# -- recomputation after a calendar or policy change ----------------------------------------
def recompute_open_cases(reason, policy_id=None):
    """Recompute the deadlines of every open case (of one policy version if given).

    Closed and archived cases keep their dates. Returns {"reason", "cases", "changed": [...],
    "errors": [...]} and logs each change as "reference stage old → new".
    """
    from .models import Complaint

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


_suppressed = {"depth": 0}


class recompute_deferred:
    """Context manager for bulk writes (calendar import): per-row signals schedule nothing,
    the command schedules one recompute at the end."""

    def __enter__(self):
        _suppressed["depth"] += 1

    def __exit__(self, *exc):
        _suppressed["depth"] -= 1


def schedule_recompute(reason, policy_id=None):
    """Queue one recompute task after the current transaction commits (once per transaction)."""
    from . import tasks

    conn = transaction.get_connection()
    marker = ("recompute", reason, policy_id)
    # Several saves in one transaction (an inline of stage rules) queue one task: look for our
    # callback among those already registered on this connection.
    for entry in getattr(conn, "run_on_commit", []):
        if getattr(entry[1], "recompute_marker", None) == marker:
            return

    def send():
        try:
            tasks.recompute_deadlines.delay(reason, policy_id)
        except Exception as exc:  # broker down: the change is saved; say how to catch up
            logger.warning("Deadline recompute (%s) not queued (%s); run `manage.py recompute_deadlines`.",
                           reason, exc)

    send.recompute_marker = marker
    transaction.on_commit(send, robust=True)


def _calendar_changed(sender, instance, **kwargs):
    if kwargs.get("raw") or _suppressed["depth"]:
        return
    schedule_recompute("calendar")


def _policy_changed(sender, instance, **kwargs):
    if kwargs.get("raw") or _suppressed["depth"]:
        return
    policy_id = instance.pk if isinstance(instance, DeadlinePolicy) else instance.policy_id
    schedule_recompute("policy", policy_id)


for _model in (CalendarDay, CalendarYear):
    post_save.connect(_calendar_changed, sender=_model, dispatch_uid=f"deadlines-recompute-{_model.__name__}")
    post_delete.connect(_calendar_changed, sender=_model, dispatch_uid=f"deadlines-recompute-del-{_model.__name__}")
for _model in (DeadlinePolicy, StageRule):
    post_save.connect(_policy_changed, sender=_model, dispatch_uid=f"deadlines-recompute-{_model.__name__}")
    post_delete.connect(_policy_changed, sender=_model, dispatch_uid=f"deadlines-recompute-del-{_model.__name__}")
