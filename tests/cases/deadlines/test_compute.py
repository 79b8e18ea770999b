"""The deadline computation of a case (SPEC §4): tiers, stage caps, pauses, extensions, stage rules."""
from datetime import date, datetime

import pytest
from django.utils import timezone

from cases.deadlines import compute_deadlines, extension_check
from cases.models import Extension, Pause, StageRule
from tests.factories.calendar import cn_calendar, local_dt, make_case, make_user, seed_calendar

pytestmark = pytest.mark.django_db

CAL = cn_calendar((2025, 2026))


def dues(computed):
    return {stage: due for stage, (due, _text) in computed.items()}


def test_simple_case_received_friday_before_golden_week_is_due_on_the_saturday_makeup_day():
    # given
    case = make_case(date(2025, 9, 26))
    # when
    result = compute_deadlines(case, CAL)
    # then
    assert dues(result) == {
        "acknowledge": date(2025, 9, 28),
        "dispatch": date(2025, 9, 28),
        "form_team": date(2025, 9, 29),
        "report": date(2025, 10, 11),
        "plan": date(2025, 10, 11),       # 8th working day 10-14, capped
        "approval": date(2025, 10, 11),   # 9th working day 10-15, capped
        "decision": date(2025, 10, 11),   # 10th working day 10-16, capped
        "overall": date(2025, 10, 11),
    }
    overall_text = result["overall"][1]
    assert "received Fri 2025-09-26" in overall_text
    assert "+15 calendar days = Sat 2025-10-11, a make-up workday" in overall_text
    assert overall_text.endswith("so due 2025-10-11")
    assert "capped at the regulatory due date 2025-10-11" in result["plan"][1]


def test_overall_deadline_falling_on_national_day_moves_to_october_9_and_says_why():
    case = make_case(date(2025, 9, 16))
    result = compute_deadlines(case, CAL)
    assert result["overall"][0] == date(2025, 10, 9)
    assert "Wed 2025-10-01, a holiday" in result["overall"][1]
    assert "next working day Thu 2025-10-09" in result["overall"][1]
    assert result["decision"][0] == date(2025, 9, 29)  # 10th working day counts Sunday 09-28


def test_spring_festival_2026_case_is_due_on_the_saturday_makeup_day():
    case = make_case(date(2026, 2, 13))
    result = dues(compute_deadlines(case, CAL))
    assert result["acknowledge"] == date(2026, 2, 14)
    assert result["form_team"] == date(2026, 2, 24)
    assert result["report"] == date(2026, 2, 28)
    assert result["overall"] == date(2026, 2, 28)
    assert result["decision"] == date(2026, 2, 28)


def test_weekend_receipt_counts_from_the_next_working_day():
    case = make_case(date(2025, 9, 27))  # Saturday
    result = dues(compute_deadlines(case, CAL))
    assert result["acknowledge"] == date(2025, 9, 28)
    assert result["overall"] == date(2025, 10, 13)  # Sun 10-12 rolls to Monday


def test_counting_complex_extension_moves_overall_to_30_days_and_uses_complex_stage_rules():
    # given
    case = make_case(date(2025, 9, 26))
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 10)), due_before=date(2025, 10, 11), counts=True)
    # when
    result = dues(compute_deadlines(case, CAL))
    # then
    assert result["overall"] == date(2025, 10, 27)  # Sun 10-26 rolls to Monday
    assert result["report"] == date(2025, 10, 20)   # 12th working day
    assert result["plan"] == date(2025, 10, 24)     # 16th
    assert result["approval"] == date(2025, 10, 27)  # 18th = 10-28, capped
    assert result["decision"] == date(2025, 10, 27)


def test_non_counting_extension_leaves_the_15_day_deadline_even_if_case_tier_says_complex():
    case = make_case(date(2025, 9, 26), tier="complex")
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="late", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 12)), due_before=date(2025, 10, 11), counts=False)
    assert compute_deadlines(case, CAL)["overall"][0] == date(2025, 10, 11)


def test_legacy_case_keeps_its_recorded_tier():
    case = make_case(date(2025, 9, 26), tier="complex", is_legacy=True)
    assert compute_deadlines(case, CAL)["overall"][0] == date(2025, 10, 27)


@pytest.mark.parametrize(
    "recorded, counts",
    [(datetime(2025, 10, 11, 23, 59), True), (datetime(2025, 10, 12, 0, 1), False)],
)


def test_complex_extension_counts_only_until_the_end_of_the_15_day_due_date(recorded, counts):
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    at = timezone.make_aware(recorded)
    assert extension_check(case, "complex", at) == (counts, date(2025, 10, 11))


def test_special_extension_is_checked_against_the_due_date_in_force():
    # given a case already extended to complex (due 10-27)
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 10)), due_before=date(2025, 10, 11))
    # when / then
    assert extension_check(case, "special", local_dt(date(2025, 10, 27), 18)) == (True, date(2025, 10, 27))
    assert extension_check(case, "special", local_dt(date(2025, 10, 28), 9)) == (False, date(2025, 10, 27))
    Extension.objects.create(case=case, from_tier="complex", to_tier="special", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 27)), due_before=date(2025, 10, 27))
    assert compute_deadlines(case, CAL)["overall"][0] == date(2025, 11, 25)


def test_ended_pause_adds_its_calendar_days_and_an_open_pause_runs_to_today():
    case = make_case(date(2025, 9, 26))
    user = make_user("inv")
    Pause.objects.create(case=case, kind="appraisal", start=date(2025, 10, 1), end=date(2025, 10, 6),
                         customer_told_proof="call", created_by=user)
    result = compute_deadlines(case, CAL)
    assert result["overall"][0] == date(2025, 10, 16)
    assert "5 paused days" in result["overall"][1]
    Pause.objects.create(case=case, kind="testing", start=date(2025, 10, 10), customer_told_proof="call",
                         created_by=user)
    # 15 + 5 + 3 (10-10 → today 10-13) = 10-19 Sunday → Monday 10-20
    assert compute_deadlines(case, CAL, today=date(2025, 10, 13))["overall"][0] == date(2025, 10, 20)


def test_most_specific_stage_rule_wins():
    case = make_case(date(2025, 9, 26), channel="regulator", category="product")
    policy = case.deadline_policy
    StageRule.objects.create(policy=policy, stage="report", tier="simple", category="product", working_days=5)
    StageRule.objects.create(policy=policy, stage="report", tier="simple", channel="regulator", working_days=4)
    assert compute_deadlines(case, CAL)["report"][0] == date(2025, 10, 9)  # 4th working day: channel rule
    StageRule.objects.create(policy=policy, stage="report", tier="simple", category="product",
                             channel="regulator", working_days=3)
    assert compute_deadlines(case, CAL)["report"][0] == date(2025, 9, 30)
    other = make_case(date(2025, 9, 26), channel="hotline", category="product")
    assert compute_deadlines(other, CAL)["report"][0] == date(2025, 10, 10)  # 5th: category rule
