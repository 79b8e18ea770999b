"""A case's deadline rows: written, kept by every action's deadline effect (its row in
cases.actions), recomputed after a configuration change."""
from datetime import date

import pytest
from django.utils import timezone

from cases.deadlines import apply_deadlines, compute_deadlines, recompute_open_cases
from cases.models import CalendarDay, CaseDeadline, Extension
from complaints_portal.common.errors import CalendarMissing
from tests.factories.calendar import (
    cn_calendar,
    deadline_effect,
    due_dates,
    local_dt,
    make_case,
    make_user,
    seed_calendar,
)

pytestmark = pytest.mark.django_db

CAL = cn_calendar((2025, 2026))


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
    deadline_effect(case, "acknowledge", local_dt(date(2025, 9, 28)))
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
        deadline_effect(case, action, at)
    assert not CaseDeadline.objects.filter(case=case, met_at__isnull=True).exists()
    assert case.next_due is None


def test_withdraw_stops_every_open_row_and_leaves_met_rows_alone():
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case, CAL)
    deadline_effect(case, "acknowledge", local_dt(date(2025, 9, 27)))
    deadline_effect(case, "withdraw", local_dt(date(2025, 9, 29)))
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
        deadline_effect(case, action, local_dt(date(2025, 10, 9)))
    # when the customer disputes on Monday 10-20
    case.round = 2
    case.disputed_at = local_dt(date(2025, 10, 20))
    case.save()
    deadline_effect(case, "customer_disputes", case.disputed_at)
    # then
    review = CaseDeadline.objects.get(case=case, stage="review")
    assert review.due_on == date(2025, 11, 19)
    assert case.next_due == date(2025, 11, 19)
    assert compute_deadlines(case, CAL)["review"][0] == date(2025, 11, 19)
    deadline_effect(case, "notify_decision", local_dt(date(2025, 11, 10)))
    review.refresh_from_db()
    assert review.met_at is not None
    assert CaseDeadline.objects.get(case=case, stage="overall").due_on == date(2025, 10, 11)
    assert case.due_overall == date(2025, 10, 11)


def test_restart_moves_open_stages_to_the_new_d0():
    seed_calendar()
    case = make_case(date(2025, 9, 26))
    apply_deadlines(case)
    case.clock_start = date(2026, 2, 13)
    deadline_effect(case, "restart_clock", local_dt(date(2026, 2, 13)))
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
