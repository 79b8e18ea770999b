from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from assessment.kpi import calculations as calc


def test_rate_rounds_half_up_not_to_even():
    assert calc.rate(1, 8, 2) == Decimal("12.50")
    assert calc.rate(1, 800, 2) == Decimal("0.13")  # 0.125 -> 0.13, banker's rounding would give 0.12
    assert calc.complaint_rate(1, 16_000_000) == Decimal("0.0000")  # 0.00000625
    assert calc.complaint_rate(1, 1_600_000) == Decimal("0.0001")  # 0.0000625 -> 0.0001


def test_rate_with_zero_denominator_is_not_available():
    assert calc.rate(0, 0, 2) is None
    assert calc.on_time_rate(0, 0) is None
    assert calc.satisfaction_rate(0, 0) is None
    assert calc.complaint_rate(3, 0) is None
    assert calc.complaint_rate(3, None) is None


def test_complaint_rate_has_four_places_and_the_others_two():
    assert calc.complaint_rate(3, 7) == Decimal("42.8571")
    assert calc.on_time_rate(2, 3) == Decimal("66.67")
    assert calc.satisfaction_rate(1, 3) == Decimal("33.33")


def test_regulator_companions_use_their_own_scales():
    assert calc.per_10k(5, 200_000) == Decimal("0.2500")
    assert calc.per_100m_premium(5, Decimal("250000000.00")) == Decimal("2.0000")
    assert calc.per_10k(5, None) is None


def test_format_rate_is_empty_for_not_available():
    assert calc.format_rate(None) == ""
    assert calc.format_rate(Decimal("50.00")) == "50.00"


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9), st.integers(0, 6))
def test_rate_is_exact_half_up_rounding_of_the_fraction(numerator, denominator, places):
    result = calc.rate(numerator, denominator, places)
    if denominator == 0:
        assert result is None
        return
    exact = Decimal(100 * numerator) / Decimal(denominator)
    step = Decimal(1).scaleb(-places)
    assert abs(result - exact) <= step / 2
    # half-up: an exact half is rounded away from zero
    assert result.as_tuple().exponent == -places


@given(st.integers(min_value=1, max_value=10**9).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))))
def test_rate_is_between_0_and_100_when_numerator_at_most_denominator(pair):
    numerator, denominator = pair
    for places in (2, 4):
        value = calc.rate(numerator, denominator, places)
        assert Decimal(0) <= value <= Decimal(100)
    if numerator == denominator:
        assert calc.on_time_rate(numerator, denominator) == Decimal("100.00")


@given(st.integers(min_value=0, max_value=10**6))
def test_half_values_round_up(k):
    # (2k+1)/200 % = k.5 hundredths of a percent... build n/d with an exact half at 2 places
    value = calc.rate(2 * k + 1, 20_000, 2)  # exact = (2k+1)/200 = k/100 + 0.005
    assert value == (Decimal(k) / 100 + Decimal("0.01")).quantize(Decimal("0.01"))
