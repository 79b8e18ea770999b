"""Bonus rule evaluation on plain values (SPEC §6). A rule set is an ordered list of tiers, each
with up to one condition per KPI (ALL or ANY) and an adjustment; the first match gives it,
else 0. Complaint-rate thresholds are points relative to the target ("≤ target − 0.01" is
``Condition("complaint_rate", "lte", Decimal("-0.01"))``), the others absolute percents. An
N/A KPI (or no complaint-rate target) makes its condition **not met**, and the reason says so."""
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from assessment.kpi import calculations as calc

from . import reasons
from .reasons import kpi_label

COMPLAINT_RATE = "complaint_rate"
ON_TIME_RATE = "on_time_rate"
SATISFACTION_RATE = "satisfaction_rate"
KPIS = (COMPLAINT_RATE, ON_TIME_RATE, SATISFACTION_RATE)

ALL = "all"
ANY = "any"

OPERATORS = {
    "lte": ("≤", lambda a, b: a <= b),
    "lt": ("<", lambda a, b: a < b),
    "gte": ("≥", lambda a, b: a >= b),
    "gt": (">", lambda a, b: a > b),
}

ADJUSTMENT_LIMIT = Decimal(100)
DELTA_LIMIT = Decimal(100)
SCORE_CAP = Decimal(120)


@dataclass(frozen=True)
class Condition:
    kpi: str
    op: str
    threshold: Decimal  # points relative to target for the complaint rate, percent otherwise


@dataclass(frozen=True)
class Tier:
    label: str
    combine: str  # ALL or ANY
    adjustment: Decimal
    conditions: tuple = ()


@dataclass(frozen=True)
class Kpis:
    """A department's figures for the quarter; None is N/A."""

    complaint_rate: Decimal | None = None
    complaint_target: Decimal | None = None
    on_time_rate: Decimal | None = None
    satisfaction_rate: Decimal | None = None


@dataclass(frozen=True)
class ConditionOutcome:
    condition: Condition
    met: bool
    params: dict  # what the sentence shows (reasons.condition_text), in JSON types

    @property
    def text(self):
        return reasons.condition_text(self.params)


@dataclass
class Evaluation:
    tier_index: int | None  # 0-based position of the matching tier, None when no tier matched
    tier: Tier | None
    adjustment: Decimal
    outcomes: list = field(default_factory=list)  # ConditionOutcome of the matching tier

    @property
    def params(self):
        """The verdict's parameters (reasons.evaluation_text), in JSON types."""
        if self.tier is None:
            return {"tier": None}
        return {"tier": self.tier_index + 1, "label": self.tier.label, "combine": self.tier.combine,
                "adjustment": _signed(self.tier.adjustment), "conditions": [o.params for o in self.outcomes]}

    @property
    def reason(self):
        return reasons.evaluation_text(self.params)


def _text(value):
    return None if value is None else str(value)


def condition_evaluate(condition, kpis):
    """Whether one condition holds for ``kpis``, with what the sentence that shows the comparison
    needs (reasons.condition_text).

    N/A (no value, or no target for the complaint rate) is "not met"."""
    symbol, compare = OPERATORS[condition.op]
    if condition.kpi == COMPLAINT_RATE:
        value, target = kpis.complaint_rate, kpis.complaint_target
        if value is None:
            return ConditionOutcome(condition, False, {"kpi": COMPLAINT_RATE, "state": reasons.NOT_AVAILABLE})
        if target is None:
            return ConditionOutcome(condition, False, {"kpi": COMPLAINT_RATE, "state": reasons.NO_TARGET,
                                                       "value": _text(value)})
        bound = target + condition.threshold
        met = compare(value, bound)
        return ConditionOutcome(condition, met, {
            "kpi": COMPLAINT_RATE, "state": reasons.COMPARED, "value": _text(value), "op": symbol,
            "target": _text(target), "sign": "+" if condition.threshold >= 0 else "−",
            "delta": _text(abs(condition.threshold)), "bound": _text(bound), "met": met,
        })
    value = getattr(kpis, condition.kpi)
    if value is None:
        return ConditionOutcome(condition, False, {"kpi": condition.kpi, "state": reasons.NOT_AVAILABLE})
    met = compare(value, condition.threshold)
    return ConditionOutcome(condition, met, {
        "kpi": condition.kpi, "state": reasons.COMPARED, "value": _text(value), "op": symbol,
        "threshold": _text(condition.threshold), "met": met,
    })


def tier_matches(tier, kpis):
    """(matched, outcomes). A tier without conditions always matches (a catch-all)."""
    outcomes = [condition_evaluate(c, kpis) for c in tier.conditions]
    if not outcomes:
        return True, outcomes
    results = [o.met for o in outcomes]
    return (all(results) if tier.combine == ALL else any(results)), outcomes


def rule_set_evaluate(tiers, kpis):
    """The first tier (in order) that matches gives the adjustment; none matching gives 0."""
    for index, tier in enumerate(tiers):
        matched, outcomes = tier_matches(tier, kpis)
        if matched:
            return Evaluation(index, tier, tier.adjustment, outcomes)
    return Evaluation(None, None, Decimal(0), [])


def _signed(value):
    return f"+{value}" if value > 0 else str(value)


# ---------------------------------------------------------------------------------------------
# Composite score


def kpi_score(kpi, value, target):
    """One KPI's attainment, 100 = on target, capped at 120: value ÷ target (on-time, satisfaction)
    or target ÷ value (complaint rate; 0 scores the cap); None for N/A or a zero target."""
    if value is None or target is None:
        return None
    value, target = Decimal(value), Decimal(target)
    if kpi == COMPLAINT_RATE:
        if value == 0:
            return SCORE_CAP
        score = Decimal(100) * target / value
    else:
        if target == 0:
            return None
        score = Decimal(100) * value / target
    return min(score, SCORE_CAP)


def composite_score(scores, weights):
    """Weighted mean of the available KPI scores (weights of N/A KPIs are left out and the rest
    renormalised), rounded half-up to 2 places; None when no KPI with a positive weight is
    available."""
    total = Decimal(0)
    weight_sum = Decimal(0)
    for kpi, score in scores.items():
        weight = Decimal(weights.get(kpi) or 0)
        if score is None or weight <= 0:
            continue
        total += weight * score
        weight_sum += weight
    if weight_sum == 0:
        return None
    return (total / weight_sum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Validation


def condition_problem(condition):
    """Why a condition can never be met (or is out of range), or None when it is sound."""
    if condition.op not in OPERATORS:
        return _("unknown operator “%(op)s”") % {"op": condition.op}
    if condition.kpi not in KPIS:
        return _("unknown KPI “%(kpi)s”") % {"kpi": condition.kpi}
    t = condition.threshold
    if condition.kpi == COMPLAINT_RATE:
        if abs(t) > DELTA_LIMIT:
            return _("the complaint-rate difference must be between −100 and +100 points")
        return None
    label = kpi_label(condition.kpi)
    if t < 0 or t > 100:
        return _("%(kpi)s threshold %(t)s%% is impossible: a rate lies between 0 and 100") % {"kpi": label, "t": t}
    if condition.op == "gt" and t == 100:
        return _("%(kpi)s > 100%% can never be met") % {"kpi": label}
    if condition.op == "lt" and t == 0:
        return _("%(kpi)s < 0%% can never be met") % {"kpi": label}
    return None


@dataclass
class Validation:
    errors: list = field(default_factory=list)  # refuse the rule set
    warnings: list = field(default_factory=list)  # accept, but show (overlaps, unreachable tiers)


def rule_set_validate(tiers, weights=None):
    """Errors (impossible conditions, adjustments out of range, bad weights) and warnings
    (overlapping tiers — accepted, first match wins — and tiers that can never apply)."""
    result = Validation()
    for index, tier in enumerate(tiers):
        n = index + 1
        if tier.combine not in (ALL, ANY):
            result.errors.append(_("Tier %(n)s: combine must be ALL or ANY.") % {"n": n})
        if abs(tier.adjustment) > ADJUSTMENT_LIMIT:
            result.errors.append(_("Tier %(n)s: the adjustment must be between −100%% and +100%%.") % {"n": n})
        seen = set()
        for condition in tier.conditions:
            if condition.kpi in seen:
                result.errors.append(_("Tier %(n)s: more than one condition on the %(kpi)s.")
                                     % {"n": n, "kpi": kpi_label(condition.kpi)})
            seen.add(condition.kpi)
            problem = condition_problem(condition)
            if problem:
                result.errors.append(_("Tier %(n)s: %(problem)s.") % {"n": n, "problem": problem})
    for kpi, weight in (weights or {}).items():
        if weight is not None and Decimal(weight) < 0:
            result.errors.append(_("The weight of the %(kpi)s cannot be negative.") % {"kpi": kpi_label(kpi)})
    if weights is not None and not any(Decimal(w or 0) > 0 for w in weights.values()):
        result.errors.append(_("At least one KPI weight must be positive."))
    if result.errors:
        return result
    result.warnings.extend(tier_overlaps(tiers))
    return result


def _candidate_points(tiers):
    """Representative KPI points: every threshold, just below and just above it, the ends of
    the range and N/A. Conditions are half-planes, so any overlap shows up on these points."""
    eps = Decimal("0.0001")
    values = {kpi: {None} for kpi in KPIS}
    values[ON_TIME_RATE] |= {Decimal(0), Decimal(100)}
    values[SATISFACTION_RATE] |= {Decimal(0), Decimal(100)}
    values[COMPLAINT_RATE] |= {Decimal(0)}
    for tier in tiers:
        for c in tier.conditions:
            values[c.kpi] |= {c.threshold - eps, c.threshold, c.threshold + eps}
    target = Decimal(100)  # complaint-rate points are evaluated as target + delta
    for delta, on_time, satisfaction in itertools.product(*(sorted(values[k], key=_none_first) for k in KPIS)):
        yield Kpis(
            complaint_rate=None if delta is None else target + delta,
            complaint_target=target,
            on_time_rate=on_time,
            satisfaction_rate=satisfaction,
        )


def _none_first(value):
    return (value is not None, value or 0)


def tier_overlaps(tiers):
    """Sentences naming each pair of tiers that can both match the same figures (the earlier
    one wins) and each tier that no figures can ever reach."""
    if not tiers:
        return []
    overlapping = {}
    reached = set()
    for point in _candidate_points(tiers):
        matching = [i for i, tier in enumerate(tiers) if tier_matches(tier, point)[0]]
        if matching:
            reached.add(matching[0])
        for later in matching[1:]:
            overlapping.setdefault((matching[0], later), point)
    warnings = []
    for (first, later), _point in sorted(overlapping.items()):
        warnings.append(_("Tiers %(a)s and %(b)s overlap: some figures match both; tier %(a)s applies "
                          "(first match wins).") % {"a": first + 1, "b": later + 1})
    for index in range(len(tiers)):
        if index not in reached:
            warnings.append(_("Tier %(n)s can never apply: every figure it matches is taken by an earlier tier.")
                            % {"n": index + 1})
    return warnings


# ---------------------------------------------------------------------------------------------
# Promotion and awards


@dataclass(frozen=True)
class PromotionThresholds:
    below_average_ratio: Decimal = Decimal("0.50")
    min_cases: int = 5
    on_time_min: Decimal = Decimal("95")
    satisfaction_min: Decimal = Decimal("90")
    plus_points: int = 1


@dataclass(frozen=True)
class EmployeeFigures:
    handled: int = 0
    at_fault: int = 0
    on_time: int = 0
    judged: int = 0  # on time + late
    satisfied: int = 0
    revisited: int = 0

    @property
    def complaint_rate(self):
        """100 × cases found at fault ÷ cases handled (the employee's "complaint rate")."""
        return calc.rate(self.at_fault, self.handled, calc.RATE_PLACES)

    @property
    def on_time_rate(self):
        return calc.on_time_rate(self.on_time, self.judged)

    @property
    def satisfaction_rate(self):
        return calc.satisfaction_rate(self.satisfied, self.revisited)


@dataclass
class PromotionDecision:
    plus_points: int
    disqualified: bool
    reasons: list


def promotion_decide(figures, average_rate, thresholds, disqualifying_references=()):
    """Plus points and disqualification of one employee for a year, with the reasons. At fault in a
    major-negative-impact complaint disqualifies; a plus needs ``min_cases``, an at-fault rate at
    most ``below_average_ratio`` × a non-zero average, and both rates at their minimums (N/A: not met)."""
    reasons = []
    if disqualifying_references:
        reasons.append(_("Disqualified for the year: found at fault in a complaint with a major negative impact "
                         "(%(refs)s).") % {"refs": ", ".join(disqualifying_references)})
        return PromotionDecision(0, True, reasons)
    checks = []
    if figures.handled < thresholds.min_cases:
        checks.append(False)
        reasons.append(_("%(n)s cases handled, fewer than the %(min)s needed — not met")
                       % {"n": figures.handled, "min": thresholds.min_cases})
    else:
        checks.append(True)
        reasons.append(_("%(n)s cases handled (at least %(min)s): met") % {"n": figures.handled,
                                                                       "min": thresholds.min_cases})
    rate = figures.complaint_rate
    if rate is None or average_rate is None or average_rate == 0:
        checks.append(False)
        reasons.append(_("at-fault rate %(rate)s against average %(avg)s: cannot be clearly below — not met")
                       % {"rate": _na(rate), "avg": _na(average_rate)})
    else:
        bound = (Decimal(average_rate) * thresholds.below_average_ratio).quantize(Decimal("0.01"),
                                                                                   rounding=ROUND_HALF_UP)
        met = rate <= bound
        checks.append(met)
        reasons.append(_("at-fault rate %(rate)s%% ≤ %(ratio)s × average %(avg)s%% = %(bound)s%%: %(result)s") % {
            "rate": rate, "ratio": thresholds.below_average_ratio, "avg": average_rate, "bound": bound,
            "result": _("met") if met else _("not met")})
    for label, value, minimum in (
        (_("on-time rate"), figures.on_time_rate, thresholds.on_time_min),
        (_("satisfaction rate"), figures.satisfaction_rate, thresholds.satisfaction_min),
    ):
        if value is None:
            checks.append(False)
            reasons.append(_("%(kpi)s N/A — not met") % {"kpi": label})
        else:
            met = value >= minimum
            checks.append(met)
            reasons.append(_("%(kpi)s %(value)s%% ≥ %(min)s%%: %(result)s") % {
                "kpi": label, "value": value, "min": minimum, "result": _("met") if met else _("not met")})
    points = thresholds.plus_points if all(checks) else 0
    return PromotionDecision(points, False, reasons)


def _na(value):
    return "N/A" if value is None else f"{value}%"
