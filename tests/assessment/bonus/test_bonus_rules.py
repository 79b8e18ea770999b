"""Bonus rule evaluation as pure functions (assessment/bonus/rules.py): first match wins, ALL/ANY,
boundaries exactly at thresholds, N/A KPIs, composite score, validation."""
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.bonus import rules as bonus
from assessment.bonus.rules import (
    ALL,
    ANY,
    COMPLAINT_RATE,
    ON_TIME_RATE,
    SATISFACTION_RATE,
    Condition,
    Kpis,
    Tier,
)

BONUS = Tier("Bonus +10%", ALL, D(10), (
    Condition(COMPLAINT_RATE, "lte", D("-0.01")),
    Condition(ON_TIME_RATE, "gte", D(98)),
    Condition(SATISFACTION_RATE, "gte", D(90)),
))
MALUS = Tier("Malus -10%", ANY, D(-10), (
    Condition(COMPLAINT_RATE, "gte", D("0.01")),
    Condition(ON_TIME_RATE, "lt", D(90)),
    Condition(SATISFACTION_RATE, "lt", D(80)),
))
SPEC = [BONUS, MALUS]


def kpis(cr="0.0300", target="0.0500", on_time="98.00", sat="90.00"):
    return Kpis(
        complaint_rate=None if cr is None else D(cr), complaint_target=None if target is None else D(target),
        on_time_rate=None if on_time is None else D(on_time), satisfaction_rate=None if sat is None else D(sat),
    )


def test_spec_example_all_conditions_exactly_at_thresholds_gives_plus_ten():
    # complaint rate 0.0400 = target 0.0500 − 0.01; on-time 98.00; satisfaction 90.00
    result = bonus.rule_set_evaluate(SPEC, kpis(cr="0.0400"))
    assert result.tier_index == 0 and result.adjustment == D(10)
    assert "Tier 1" in result.reason and "+10" in result.reason


def test_one_hundredth_below_a_threshold_misses_the_all_tier():
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0401")).adjustment == D(0)
    assert bonus.rule_set_evaluate(SPEC, kpis(on_time="97.99")).adjustment == D(0)
    assert bonus.rule_set_evaluate(SPEC, kpis(sat="89.99")).adjustment == D(0)


def test_malus_matches_on_any_single_condition_and_boundaries_are_exact():
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0600")).adjustment == D(-10)  # = target + 0.01
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0599", on_time="95")).adjustment == D(0)
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0500", on_time="89.99")).adjustment == D(-10)
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0500", on_time="90.00")).adjustment == D(0)
    assert bonus.rule_set_evaluate(SPEC, kpis(cr="0.0500", sat="79.99")).adjustment == D(-10)


def test_no_policies_means_no_complaint_rate_and_the_condition_is_not_met():
    # given a department without policies: ALL tier cannot match, ANY tier only through others
    result = bonus.rule_set_evaluate(SPEC, kpis(cr=None, on_time="99", sat="95"))
    assert result.tier_index is None and result.adjustment == D(0)
    assert "No tier matched" in result.reason
    outcome = bonus.condition_evaluate(BONUS.conditions[0], kpis(cr=None))
    assert not outcome.met and "N/A" in outcome.text
    malus = bonus.rule_set_evaluate(SPEC, kpis(cr=None, on_time="50"))
    assert malus.adjustment == D(-10)
    assert "N/A" in malus.reason  # the N/A condition is shown in the reason


def test_missing_target_makes_the_complaint_condition_not_met():
    outcome = bonus.condition_evaluate(BONUS.conditions[0], kpis(target=None))
    assert not outcome.met and "no target" in outcome.text


def test_tier_without_conditions_is_a_catch_all():
    tiers = [BONUS, Tier("Everyone else", ALL, D(1))]
    assert bonus.rule_set_evaluate(tiers, kpis(on_time=None)).adjustment == D(1)


# -- properties ---------------------------------------------------------------------------------
rates = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
deltas = st.decimals(min_value=-1, max_value=1, places=2)
conditions = st.one_of(
    st.builds(Condition, st.just(COMPLAINT_RATE), st.sampled_from(list(bonus.OPERATORS)), deltas),
    st.builds(Condition, st.sampled_from([ON_TIME_RATE, SATISFACTION_RATE]), st.sampled_from(list(bonus.OPERATORS)),
              st.decimals(min_value=0, max_value=100, places=2)),
)
tiers_st = st.lists(
    st.builds(Tier, st.text(min_size=1, max_size=5), st.sampled_from([ALL, ANY]),
              st.decimals(min_value=-20, max_value=20, places=0), st.lists(conditions, max_size=3).map(tuple)),
    max_size=5,
)
kpis_st = st.builds(Kpis, complaint_rate=st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=4)),
                    complaint_target=st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=4)),
                    on_time_rate=rates, satisfaction_rate=rates)


@settings(deadline=None)  # the overlap search is fast, but CI machines are busy
@given(tiers_st, kpis_st)
def test_the_first_matching_tier_wins(tiers, figures):
    result = bonus.rule_set_evaluate(tiers, figures)
    matches = [i for i, t in enumerate(tiers) if bonus.tier_matches(t, figures)[0]]
    if matches:
        assert result.tier_index == matches[0] and result.adjustment == tiers[matches[0]].adjustment
    else:
        assert result.tier_index is None and result.adjustment == 0


@settings(deadline=None)  # the overlap search is fast, but CI machines are busy
@given(tiers_st, kpis_st)
def test_all_means_every_condition_and_any_means_at_least_one(tiers, figures):
    for tier in tiers:
        matched, outcomes = bonus.tier_matches(tier, figures)
        flags = [bonus.condition_evaluate(c, figures).met for c in tier.conditions]
        if not flags:
            assert matched
        elif tier.combine == ALL:
            assert matched == all(flags)
        else:
            assert matched == any(flags)


@settings(deadline=None)  # the overlap search is fast, but CI machines are busy
@given(st.sampled_from([ON_TIME_RATE, SATISFACTION_RATE]), st.decimals(min_value=0, max_value=100, places=2))
def test_a_value_exactly_at_the_threshold_meets_inclusive_operators_only(kpi, threshold):
    figures = Kpis(**{kpi: threshold})
    assert bonus.condition_evaluate(Condition(kpi, "gte", threshold), figures).met
    assert bonus.condition_evaluate(Condition(kpi, "lte", threshold), figures).met
    assert not bonus.condition_evaluate(Condition(kpi, "gt", threshold), figures).met
    assert not bonus.condition_evaluate(Condition(kpi, "lt", threshold), figures).met


@settings(deadline=None)  # the overlap search is fast, but CI machines are busy
@given(st.sampled_from([COMPLAINT_RATE, ON_TIME_RATE, SATISFACTION_RATE]), st.sampled_from(list(bonus.OPERATORS)),
       st.decimals(min_value=0, max_value=100, places=2))
def test_a_condition_on_an_na_kpi_is_never_met(kpi, op, threshold):
    assert not bonus.condition_evaluate(Condition(kpi, op, threshold), Kpis()).met


# -- composite score ------------------------------------------------------------------------------
def test_composite_score_renormalises_weights_when_a_kpi_is_na():
    weights = {COMPLAINT_RATE: D("0.4"), ON_TIME_RATE: D("0.3"), SATISFACTION_RATE: D("0.3")}
    scores = {COMPLAINT_RATE: None, ON_TIME_RATE: D(100), SATISFACTION_RATE: D(80)}
    assert bonus.composite_score(scores, weights) == D("90.00")
    assert bonus.composite_score(dict.fromkeys(weights), weights) is None


def test_kpi_score_lower_complaint_rate_is_better_and_capped():
    assert bonus.kpi_score(COMPLAINT_RATE, D("0.05"), D("0.05")) == D(100)
    assert bonus.kpi_score(COMPLAINT_RATE, D(0), D("0.05")) == bonus.SCORE_CAP
    assert bonus.kpi_score(ON_TIME_RATE, D(99), D(90)) == D(110)
    assert bonus.kpi_score(ON_TIME_RATE, None, D(90)) is None


# -- validation ----------------------------------------------------------------------------------
def test_impossible_thresholds_are_refused_with_a_message():
    for condition in (Condition(ON_TIME_RATE, "gte", D(101)), Condition(SATISFACTION_RATE, "lte", D(-1)),
                      Condition(ON_TIME_RATE, "gt", D(100)), Condition(SATISFACTION_RATE, "lt", D(0))):
        validation = bonus.rule_set_validate([Tier("x", ALL, D(5), (condition,))])
        assert validation.errors and "Tier 1" in validation.errors[0]


def test_adjustment_out_of_range_and_duplicate_kpi_are_refused():
    tier = Tier("x", ALL, D(150), (Condition(ON_TIME_RATE, "gte", D(90)), Condition(ON_TIME_RATE, "lt", D(95))))
    assert len(bonus.rule_set_validate([tier]).errors) == 2


def test_spec_example_is_valid_and_has_no_overlap():
    validation = bonus.rule_set_validate(SPEC, {COMPLAINT_RATE: D(1)})
    assert validation.errors == [] and validation.warnings == []


def test_overlapping_tiers_are_accepted_but_reported():
    wide = Tier("on-time ≥ 95", ALL, D(5), (Condition(ON_TIME_RATE, "gte", D(95)),))
    validation = bonus.rule_set_validate([BONUS, wide])
    assert validation.errors == []
    assert any("Tiers 1 and 2 overlap" in w for w in validation.warnings)


def test_a_tier_shadowed_by_an_earlier_one_is_reported_as_never_applying():
    wide = Tier("on-time ≥ 90", ALL, D(5), (Condition(ON_TIME_RATE, "gte", D(90)),))
    narrow = Tier("on-time ≥ 95", ALL, D(8), (Condition(ON_TIME_RATE, "gte", D(95)),))
    warnings = bonus.rule_set_validate([wide, narrow]).warnings
    assert any("Tier 2 can never apply" in w for w in warnings)


def test_weights_must_not_be_negative_and_one_must_be_positive():
    assert bonus.rule_set_validate(SPEC, {COMPLAINT_RATE: D(-1), ON_TIME_RATE: D(0)}).errors
    assert bonus.rule_set_validate(SPEC, {COMPLAINT_RATE: D(0)}).errors
