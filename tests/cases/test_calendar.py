"""Working-day arithmetic (SPEC §4): properties, and worked examples from the State Council notices."""
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.calendar import WorkCalendar, load_calendar
from complaints_portal.common.errors import CalendarMissing
from tests.factories.calendar import cn_calendar, seed_calendar

CAL = cn_calendar((2025, 2026))
# Start dates leave room for 60 days (+ pauses) inside the covered years.
starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 9, 30))
small_n = st.integers(min_value=1, max_value=40)


# -- properties ------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(d0=starts, n=small_n)
def test_nth_working_day_is_a_working_day_after_the_start_with_n_minus_1_between(d0, n):
    due = CAL.add_working_days(d0, n)
    assert CAL.is_working_day(due)
    assert due > d0
    assert CAL.working_days_between(d0, due) == n
    assert CAL.working_days_between(d0, due - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(d=starts)
def test_roll_forward_is_idempotent_and_lands_on_a_working_day(d):
    once = CAL.roll_forward(d)
    assert CAL.roll_forward(once) == once
    assert CAL.is_working_day(once)
    assert once >= d


@settings(max_examples=300, deadline=None)
@given(d0=starts, n=st.integers(min_value=1, max_value=60), pause=st.integers(min_value=0, max_value=30))
def test_calendar_deadline_is_at_least_d0_plus_n_and_a_working_day(d0, n, pause):
    due = CAL.calendar_deadline(d0, n, pause)
    assert due >= d0 + timedelta(days=n + pause)
    assert CAL.is_working_day(due)
    # Nothing between the raw date and the due date is a working day (the first one is taken).
    raw = d0 + timedelta(days=n + pause)
    assert all(not CAL.is_working_day(raw + timedelta(days=i)) for i in range((due - raw).days))


@settings(max_examples=200, deadline=None)
@given(d=starts)
def test_next_working_day_is_strictly_after_and_skips_only_non_working_days(d):
    nxt = CAL.next_working_day(d)
    assert nxt > d and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(d + timedelta(days=i)) for i in range(1, (nxt - d).days))


# -- worked examples (State Council notices for 2025 National Day and 2026 Spring Festival) -----
@pytest.mark.parametrize(
    "d, working",
    [
        (date(2025, 9, 28), True),    # Sunday make-up workday
        (date(2025, 10, 11), True),   # Saturday make-up workday
        (date(2025, 10, 1), False),   # National Day
        (date(2025, 10, 8), False),   # last day of the Golden Week, a Wednesday
        (date(2025, 10, 9), True),
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2026, 2, 14), True),    # Saturday make-up workday
        (date(2026, 2, 16), False),   # Spring Festival, Monday
        (date(2026, 2, 23), False),   # Spring Festival, Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),    # Saturday make-up workday
    ],
)
def test_is_working_day_follows_the_state_council_notice(d, working):
    assert CAL.is_working_day(d) is working


def test_add_working_days_from_friday_before_golden_week_counts_the_sunday_makeup_day():
    d0 = date(2025, 9, 26)  # Friday
    assert CAL.add_working_days(d0, 1) == date(2025, 9, 28)
    assert CAL.add_working_days(d0, 3) == date(2025, 9, 30)
    assert CAL.add_working_days(d0, 4) == date(2025, 10, 9)
    assert CAL.add_working_days(d0, 6) == date(2025, 10, 11)
    assert CAL.add_working_days(d0, 10) == date(2025, 10, 16)


def test_calendar_deadline_landing_on_a_saturday_makeup_workday_stays():
    assert CAL.calendar_deadline(date(2025, 9, 26), 15) == date(2025, 10, 11)


def test_calendar_deadline_landing_on_national_day_moves_to_the_first_day_after_the_holiday():
    assert CAL.calendar_deadline(date(2025, 9, 16), 15) == date(2025, 10, 9)


def test_calendar_deadline_adds_paused_days_before_rolling_forward():
    # 2025-09-26 + 15 + 5 paused = Thu 2025-10-16, a working day.
    assert CAL.calendar_deadline(date(2025, 9, 26), 15, pause_days=5) == date(2025, 10, 16)


def test_spring_festival_2026_working_days_skip_the_holiday_and_count_both_saturdays():
    d0 = date(2026, 2, 13)  # Friday
    assert CAL.add_working_days(d0, 1) == date(2026, 2, 14)
    assert CAL.add_working_days(d0, 2) == date(2026, 2, 24)
    assert CAL.add_working_days(d0, 6) == date(2026, 2, 28)
    assert CAL.add_working_days(d0, 10) == date(2026, 3, 5)
    assert CAL.calendar_deadline(d0, 15) == date(2026, 2, 28)
    assert CAL.calendar_deadline(date(2026, 2, 2), 15) == date(2026, 2, 24)


def test_working_days_between_counts_after_start_through_end():
    assert CAL.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert CAL.working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


# -- coverage ----------------------------------------------------------------------------------
def test_a_date_in_an_uncovered_year_raises_calendar_missing_naming_the_year():
    with pytest.raises(CalendarMissing) as exc:
        CAL.add_working_days(date(2026, 12, 28), 5)
    assert exc.value.code == "deadline_calendar_missing"
    assert exc.value.extra == {"missing_years": [2027]}
    assert "2027" in exc.value.message


def test_working_days_between_names_every_missing_year_of_the_range():
    cal = WorkCalendar(covered_years={2025})
    with pytest.raises(CalendarMissing) as exc:
        cal.working_days_between(date(2025, 6, 1), date(2027, 1, 5))
    assert exc.value.extra["missing_years"] == [2026, 2027]


def test_an_empty_calendar_never_falls_back_to_monday_to_friday():
    with pytest.raises(CalendarMissing):
        WorkCalendar().is_working_day(date(2025, 3, 3))


@pytest.mark.django_db
def test_load_calendar_reads_days_and_years_in_two_queries(django_assert_num_queries):
    # given
    seed_calendar((2025,))
    # when
    with django_assert_num_queries(2):
        cal = load_calendar()
    # then
    assert cal.covered_years == {2025}
    assert date(2025, 10, 11) in cal.workdays
    assert date(2025, 10, 1) in cal.holidays
    assert cal.day_name(date(2025, 10, 1))
