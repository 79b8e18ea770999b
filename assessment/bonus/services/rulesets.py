"""Bonus rule versions: validation through assessment.bonus, creation, the version in force."""
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from assessment.kpi.periods import period_parse

from .. import rules as bonus
from ..models import (
    BonusRuleSet,
    BonusTier,
)
from .common import (
    BonusRulesInvalid,
    _require_supervisor,
)


def tier_conditions(tier):
    """The bonus.Condition tuple of a BonusTier row (a blank operator is no condition)."""
    conditions = []
    for kpi, op, threshold in (
        (bonus.COMPLAINT_RATE, tier.complaint_op, tier.complaint_delta),
        (bonus.ON_TIME_RATE, tier.on_time_op, tier.on_time_threshold),
        (bonus.SATISFACTION_RATE, tier.satisfaction_op, tier.satisfaction_threshold),
    ):
        if op:
            conditions.append(bonus.Condition(kpi, op, Decimal(threshold if threshold is not None else 0)))
    return tuple(conditions)


def tier_from_data(data):
    """bonus.Tier from a dict of BonusTier field values (forms, seeds)."""
    row = BonusTier(**{k: v for k, v in data.items() if k in _TIER_FIELDS})
    return bonus.Tier(label=row.label, combine=row.combine, adjustment=Decimal(row.adjustment_percent or 0),
                      conditions=tier_conditions(row))


_TIER_FIELDS = ("order", "label", "combine", "complaint_op", "complaint_delta", "on_time_op", "on_time_threshold",
                "satisfaction_op", "satisfaction_threshold", "adjustment_percent")


def rule_set_tiers(rule_set):
    return [bonus.Tier(label=t.label, combine=t.combine, adjustment=t.adjustment_percent,
                       conditions=tier_conditions(t)) for t in rule_set.tiers.all()]


def rule_set_check(tiers_data, weights):
    """bonus.Validation of tier dicts (in order) and weights, without saving."""
    for data in tiers_data:
        for op, value in (("complaint_op", "complaint_delta"), ("on_time_op", "on_time_threshold"),
                          ("satisfaction_op", "satisfaction_threshold")):
            if data.get(op) and data.get(value) is None:
                return bonus.Validation(errors=[_("Tier %(n)s: a condition needs a threshold.")
                                                % {"n": tiers_data.index(data) + 1}])
    return bonus.rule_set_validate([tier_from_data(d) for d in tiers_data], weights)


@transaction.atomic
def rule_set_create(user, *, name, effective_from, effective_to="", weights, tiers, note=""):
    """Save a new rule version (the next number) with its tiers in the given order.

    Refused with BonusRulesInvalid when a condition is impossible or a value out of range;
    overlapping tiers are accepted and returned as warnings. Returns (rule_set, warnings)."""
    _require_supervisor(user)
    period_parse(effective_from)
    if effective_to:
        period_parse(effective_to)
        if effective_to < effective_from:
            raise BonusRulesInvalid(_("The last quarter comes before the first."))
    validation = rule_set_check(tiers, weights)
    if validation.errors:
        raise BonusRulesInvalid(" ".join(validation.errors), extra={"errors": validation.errors})
    version = (BonusRuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    rule_set = BonusRuleSet(
        version=version, name=name, effective_from=effective_from, effective_to=effective_to or "",
        weight_complaint_rate=weights["complaint_rate"], weight_on_time_rate=weights["on_time_rate"],
        weight_satisfaction_rate=weights["satisfaction_rate"], note=note, created_by=user,
    )
    # The supervisor is the history rows' user also outside a request (the configuration audit).
    rule_set._history_user = user
    rule_set.save()
    for order, data in enumerate(tiers, start=1):
        values = {k: v for k, v in data.items() if k in _TIER_FIELDS and k != "order"}
        tier = BonusTier(rule_set=rule_set, order=order, **values)
        tier._history_user = user
        tier.save()
    return rule_set, validation.warnings


def rule_set_in_force(quarter):
    """The rule set for a quarter code: the highest version whose range covers it."""
    return (
        BonusRuleSet.objects.filter(effective_from__lte=quarter)
        .filter(Q(effective_to="") | Q(effective_to__gte=quarter))
        .prefetch_related("tiers").order_by("-version").first()
    )
