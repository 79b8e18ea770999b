import datetime
import zoneinfo
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from assessment.kpi import calculations as calc
from assessment.kpi.calculations import Timeliness, classify_on_time

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DUE = datetime.date(2026, 4, 27)


def at(day, hour=10):
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ)


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


def test_decision_on_the_due_date_is_on_time_until_midnight_local():
    assert classify_on_time(due_on=DUE, as_of=DUE, notified_at=at("2026-04-27", 23), tz=TZ) == Timeliness.ON_TIME


def test_decision_the_day_after_due_is_late():
    assert classify_on_time(due_on=DUE, as_of=datetime.date(2026, 5, 30), notified_at=at("2026-04-28", 0), tz=TZ) == Timeliness.LATE


def test_withdrawn_on_or_before_due_without_decision_is_excluded():
    assert classify_on_time(due_on=DUE, as_of=datetime.date(2026, 6, 1), withdrawn_at=at("2026-04-27", 22), tz=TZ) == Timeliness.EXCLUDED


def test_withdrawn_after_due_without_decision_is_late():
    assert classify_on_time(due_on=DUE, as_of=datetime.date(2026, 6, 1), withdrawn_at=at("2026-04-28"), tz=TZ) == Timeliness.LATE


def test_withdrawn_after_a_decision_is_judged_on_the_decision():
    result = classify_on_time(
        due_on=DUE, as_of=datetime.date(2026, 6, 1), notified_at=at("2026-04-20"), withdrawn_at=at("2026-04-21"), tz=TZ
    )
    assert result == Timeliness.ON_TIME


def test_open_case_not_yet_due_is_pending_and_past_due_is_late():
    assert classify_on_time(due_on=DUE, as_of=DUE, tz=TZ) == Timeliness.PENDING
    assert classify_on_time(due_on=DUE, as_of=DUE + datetime.timedelta(days=1), tz=TZ) == Timeliness.LATE


def test_events_after_the_as_of_date_have_not_happened_yet():
    as_of = datetime.date(2026, 4, 20)
    assert classify_on_time(due_on=DUE, as_of=as_of, notified_at=at("2026-04-21"), tz=TZ) == Timeliness.PENDING
    assert classify_on_time(due_on=DUE, as_of=as_of, withdrawn_at=at("2026-04-21"), tz=TZ) == Timeliness.PENDING
    late_as_of = datetime.date(2026, 4, 30)
    assert classify_on_time(due_on=DUE, as_of=late_as_of, notified_at=at("2026-05-02"), tz=TZ) == Timeliness.LATE
