"""The deadline engine of a case (SPEC §4): tiers, stage caps, pauses, extensions, review, actions."""
from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from cases import deadline_inputs, deadlines
from cases.calendar import load_calendar
from cases.deadlines import (
    apply_deadlines,
    compute_deadlines,
    extension_check,
    on_action,
    recompute_open_cases,
)
from cases.models import CalendarDay, CaseDeadline, Extension, Pause, StageRule
from complaints_portal.common.errors import CalendarMissing
from tests.factories.calendar import cn_calendar, due_dates, local_dt, make_case, make_user, seed_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
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


def test_apply_deadlines_writes_rows_and_sets_case_dates_in_memory_only():
    # given
    case = make_case(date(2025, 9, 26))
    # when
    changes = apply_deadlines(case, CAL)
    # then
    assert due_dates(case)["overall"] == date(2025, 10, 11)
    assert len(changes) == 8
    assert case.due_overall == date(2025, 10, 11)
    assert case.next_due == date(2025, 9, 28)
    case.refresh_from_db()
    assert case.due_overall is None  # the caller saves


def test_apply_deadlines_keeps_met_rows_and_clears_stamps_of_moved_rows():
    # given
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case, CAL)
    on_action(case, "acknowledge", local_dt(date(2025, 9, 28)))
    CaseDeadline.objects.filter(case=case, stage="overall").update(reminded_at=timezone.now())
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 10)), due_before=date(2025, 10, 11))
    # when
    changes = apply_deadlines(case, CAL)
    # then
    assert ("overall", date(2025, 10, 11), date(2025, 10, 27)) in changes
    row = CaseDeadline.objects.get(case=case, stage="overall")
    assert row.due_on == date(2025, 10, 27) and row.reminded_at is None
    assert CaseDeadline.objects.get(case=case, stage="acknowledge").met_at is not None
    assert case.next_due == date(2025, 9, 28)  # dispatch still open
    assert case.due_overall == date(2025, 10, 27)


def test_apply_deadlines_refuses_when_the_calendar_is_missing_and_writes_nothing():
    case = make_case(date(2026, 12, 25))
    with pytest.raises(CalendarMissing) as exc:
        apply_deadlines(case, CAL)
    assert exc.value.extra["missing_years"] == [2027]
    assert not CaseDeadline.objects.filter(case=case).exists()


def test_on_action_marks_stages_met_and_notify_decision_meets_overall_in_round_one():
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case, CAL)
    at = local_dt(date(2025, 10, 9))
    for action in ("acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan",
                   "notify_decision"):
        on_action(case, action, at)
    assert not CaseDeadline.objects.filter(case=case, met_at__isnull=True).exists()
    assert case.next_due is None


def test_withdraw_stops_every_open_row_and_leaves_met_rows_alone():
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case, CAL)
    on_action(case, "acknowledge", local_dt(date(2025, 9, 27)))
    on_action(case, "withdraw", local_dt(date(2025, 9, 29)))
    rows = CaseDeadline.objects.filter(case=case)
    assert rows.filter(stopped_at__isnull=False).count() == 7
    assert rows.get(stage="acknowledge").stopped_at is None
    assert case.next_due is None


def test_dispute_opens_a_30_day_review_and_the_review_decision_meets_it_not_overall():
    # given a first round answered late-free on 10-09
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case, CAL)
    for action in ("acknowledge", "assign", "form_team", "submit_report", "propose_plan", "approve_plan",
                   "notify_decision"):
        on_action(case, action, local_dt(date(2025, 10, 9)))
    # when the customer disputes on Monday 10-20
    case.round = 2
    case.disputed_at = local_dt(date(2025, 10, 20))
    case.save()
    on_action(case, "customer_disputes", case.disputed_at)
    # then
    review = CaseDeadline.objects.get(case=case, stage="review")
    assert review.due_on == date(2025, 11, 19)
    assert case.next_due == date(2025, 11, 19)
    assert compute_deadlines(case, CAL)["review"][0] == date(2025, 11, 19)
    on_action(case, "notify_decision", local_dt(date(2025, 11, 10)))
    review.refresh_from_db()
    assert review.met_at is not None
    assert CaseDeadline.objects.get(case=case, stage="overall").due_on == date(2025, 10, 11)
    assert case.due_overall == date(2025, 10, 11)


def test_restart_moves_open_stages_to_the_new_d0():
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case)
    case.clock_start = date(2026, 2, 13)
    on_action(case, "restart_clock", local_dt(date(2026, 2, 13)))
    assert due_dates(case)["overall"] == date(2026, 2, 28)
    assert case.due_overall == date(2026, 2, 28)


def test_recompute_open_cases_reports_changes_and_leaves_closed_cases_alone():
    # given two cases computed on a calendar without the 2025-10-11 make-up day
    seed_calendar()
    CalendarDay.objects.filter(date=date(2025, 10, 11)).delete()
    open_case = make_case(date(2025, 9, 26))
    closed_case = make_case(date(2025, 9, 26))
    for case in (open_case, closed_case):
        apply_deadlines(case)
        case.save()
    assert open_case.due_overall == date(2025, 10, 13)
    clerk = make_user("clerk")
    closed_case.status = "closed"
    closed_case.withdrawn_at = timezone.now()
    closed_case.registered_by = clerk
    closed_case.save()
    # when the administrator adds the make-up day back
    CalendarDay.objects.create(date=date(2025, 10, 11), kind="workday", name="National Day")
    summary = recompute_open_cases("calendar")
    # then
    assert {"case": open_case.reference, "stage": "overall", "old": "2025-10-13", "new": "2025-10-11"} in summary["changed"]
    assert all(c["case"] != closed_case.reference for c in summary["changed"])
    open_case.refresh_from_db()
    closed_case.refresh_from_db()
    assert open_case.due_overall == date(2025, 10, 11)
    assert closed_case.due_overall == date(2025, 10, 13)


def test_calendar_change_schedules_one_recompute_task_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("cases.tasks.recompute_deadlines.delay", lambda *a: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CalendarDay.objects.create(date=date(2031, 1, 2), kind="holiday", name="x")
        CalendarDay.objects.create(date=date(2031, 1, 3), kind="holiday", name="y")
    assert len(callbacks) == 1
    assert sent == [("calendar", None)]


def test_stage_rule_change_schedules_a_recompute_of_that_policy(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("cases.tasks.recompute_deadlines.delay", lambda *a: sent.append(a))
    rule = StageRule.objects.filter(policy__version=1).first()
    with django_capture_on_commit_callbacks(execute=True):
        rule.working_days += 1
        rule.save()
    assert sent == [("policy", rule.policy_id)]
    assert deadlines  # module import connects the signals


def test_case_page_memo_gives_what_the_database_reads_give_and_reads_nothing_once_memoised(
        django_assert_num_queries):
    # given a case with two extensions (the later one does not count) and two pauses
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 10, 10)), due_before=date(2025, 10, 11))
    Extension.objects.create(case=case, from_tier="complex", to_tier="special", reason="r", decided_by=head,
                             decided_at=local_dt(date(2025, 12, 1)), due_before=date(2025, 10, 27), counts=False)
    Pause.objects.create(case=case, kind="appraisal", start=date(2025, 10, 1), end=date(2025, 10, 6),
                         customer_told_proof="call", created_by=head)
    Pause.objects.create(case=case, kind="testing", start=date(2025, 10, 10), customer_told_proof="call",
                         created_by=head)
    extensions, pauses = list(case.extensions.all()), list(case.pauses.all())
    memo = deadline_inputs.Memo(version=(0, None))
    today = date(2025, 10, 13)
    # when / then: the same result as reading the extensions and pauses from the database
    assert memo.deadlines_for_case(case, extensions, pauses, today) == compute_deadlines(case, load_calendar(), today)
    with django_assert_num_queries(0):
        again = memo.deadlines_for_case(case, extensions, pauses, today)
    assert again["overall"][0] == date(2025, 11, 3)  # complex: 30 days + 5 + 3 paused days
    # a different language, or another day of an open pause, is another entry
    with translation.override("zh-hans"):
        chinese = memo.deadlines_for_case(case, extensions, pauses, today)
    assert chinese["overall"][1] != again["overall"][1]
    assert memo.deadlines_for_case(case, extensions, pauses, date(2025, 10, 14))["overall"][0] == date(2025, 11, 4)
