"""The due dates of a case and their explanations (SPEC §4): overall = D0 + the tier's calendar
days + paused days, rolled to a working day; each stage the n-th working day by the most
specific stage rule, capped at overall; a dispute's review counts from the dispute. The tier
in force follows the counting Extensions (legacy cases: as imported). Writes nothing."""
from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..calendar import load_calendar
from ..models import Extension, Pause, StageRule
from ..models.deadlines import STAGE_ORDER, Stage, Tier
from ..models.flags import CustomerFlag

REGULATORY_STAGES = (Stage.OVERALL, Stage.REVIEW)
# A due date this many calendar days ahead, or nearer, is "due soon" (queues, counts, pages).
DUE_SOON_DAYS = 2


def due_soon_until(today):
    """The last date that is "due soon" on ``today``."""
    return today + timedelta(days=DUE_SOON_DAYS)


def due_state(due_on, today=None):
    """'overdue', 'soon' or '' for an open due date."""
    if not due_on:
        return ""
    today = today or timezone.localdate()
    if due_on < today:
        return "overdue"
    return "soon" if due_on <= due_soon_until(today) else ""


def policy_in_force(policies, d0):
    """The deadline policy version in force on D0 among ``policies`` (newest version first):
    the newest effective on D0, else the oldest (a receipt date before every version)."""
    for policy in policies:
        if policy.effective_from <= d0:
            return policy
    return policies[-1] if policies else None


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
    ``extensions``: all the case's rows when the caller has them (then nothing is queried)."""
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
    """Calendar days the clock stood still (an open pause runs to today); `since`/`before` select
    the pauses of the review or of the first round; ``pauses``: the rows if already read."""
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


def stage_rules(policy, tier, category, channel, _cache=None, flags=()):
    """{stage: (working_days, rule)} choosing the most specific rule of each stage:
    category and channel > channel > category > blank; then a rule for one of the case's
    customer ``flags`` (SPEC §12) replaces it where it gives fewer working days."""
    key = (policy.pk, tier)
    if _cache is not None and key in _cache:
        rules = _cache[key]
    else:
        rules = list(StageRule.objects.filter(policy=policy, tier=tier))
        if _cache is not None:
            _cache[key] = rules
    best, faster = {}, {}
    for rule in rules:
        if rule.category not in ("", category) or rule.channel not in ("", channel):
            continue
        if rule.customer_flag:
            if rule.customer_flag in flags and (rule.stage not in faster
                                                or rule.working_days < faster[rule.stage].working_days):
                faster[rule.stage] = rule
            continue
        score = (2 if rule.channel else 0) + (1 if rule.category else 0)
        if rule.stage not in best or score > best[rule.stage][0]:
            best[rule.stage] = (score, rule)
    chosen = {stage: rule for stage, (score, rule) in best.items()}
    for stage, rule in faster.items():
        if stage not in chosen or rule.working_days < chosen[stage].working_days:
            chosen[stage] = rule
    return {stage: (rule.working_days, rule) for stage, rule in chosen.items()}


# -- the computation -----------------------------------------------------------------------
def calendar_due(calendar, d0, days, pause, label):
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


def emergency_due(policy, marked_at):
    """(due moment, explanation) of a major complaint's emergency report (SPEC §12): the
    policy's hours after the marking, counted in clock hours (an emergency does not wait for
    a working day, and neither pauses nor the calendar move it)."""
    due_at = marked_at + timedelta(hours=policy.emergency_report_hours)
    shown = {"marked": date_format(timezone.localtime(marked_at), "Y-m-d H:i"), "hours": policy.emergency_report_hours,
             "due": date_format(timezone.localtime(due_at), "Y-m-d H:i")}
    return due_at, _("marked major %(marked)s + %(hours)s hours, so due %(due)s") % shown


def clock_inputs(case, today=None, extensions=None, pauses=None):
    """(tier in force, dispute date, paused days of the first round, of the review): what
    compute_deadlines takes from the case's extensions and pauses."""
    tier = effective_tier(case, extensions)
    dispute_date = local_date(case.disputed_at) if case.round > 1 and case.disputed_at else None
    first_round_pause = paused_days(case, today, before=dispute_date, pauses=pauses)
    review_pause = paused_days(case, today, since=dispute_date, pauses=pauses) if dispute_date is not None else 0
    return tier, dispute_date, first_round_pause, review_pause


def compute_deadlines(case, calendar, today=None, _rules_cache=None, *, policy=None, inputs=None):
    """Ordered {stage: (due_date, explanation)} for `case` under `calendar` (SPEC §4); raises
    CalendarMissing for a year the calendar does not cover. ``policy`` / ``inputs``: the case's
    policy and clock_inputs(case) when the caller has them."""
    policy = policy or case.deadline_policy
    d0 = case.clock_start
    tier, dispute_date, first_round_pause, review_pause = inputs or clock_inputs(case, today)

    result = OrderedDict()
    tier_label = Tier(tier).label
    overall_due, overall_text = calendar_due(calendar, d0, policy.overall_days(tier), first_round_pause, _("received"))
    overall_text = _("%(tier)s tier: ") % {"tier": tier_label} + overall_text

    rules = stage_rules(policy, tier, case.category, case.channel, _cache=_rules_cache, flags=case.flags)
    for stage in STAGE_ORDER:
        if stage not in rules:
            continue
        n, rule = rules[stage]
        raw = calendar.add_working_days(d0, n)
        text = _("received %(d0)s; %(n)s working days after = %(raw)s") % {"d0": fmt(d0), "n": n, "raw": fmt(raw)}
        if rule.customer_flag:
            text += _(" (the faster rule for: %(flag)s)") % {"flag": CustomerFlag(rule.customer_flag).label}
        if raw > overall_due:
            text += _("; capped at the regulatory due date %(due)s") % {"due": overall_due.isoformat()}
            due = overall_due
        else:
            due = raw
        text += _(" (policy v%(v)s)") % {"v": policy.version}
        result[stage.value] = (due, text)
    result[Stage.OVERALL.value] = (overall_due, overall_text)

    if dispute_date is not None:
        result[Stage.REVIEW.value] = calendar_due(calendar, dispute_date, policy.review_days, review_pause, _("disputed"))
    return result


def extension_check(case, to_tier, at, calendar=None):
    """(counts, due_before) for an extension to `to_tier` recorded at `at`: complex counts on or
    before the simple due date, especially complex on or before the due date in force. A
    non-counting extension moves no date (the tier in force follows counting ones only)."""
    calendar = calendar or load_calendar()
    policy = case.deadline_policy
    pause = paused_days(case)
    if to_tier == Tier.COMPLEX:
        due_before = calendar.calendar_deadline(case.clock_start, policy.simple_days, pause)
    else:
        due_before = calendar.calendar_deadline(case.clock_start, policy.overall_days(effective_tier(case)), pause)
    return local_date(at) <= due_before, due_before
