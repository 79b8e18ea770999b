"""Spot checks, rectifications, corrective actions and recurring root causes (SPEC §7)."""
import datetime

import pytest

from assessment.kpi.periods import period_parse
from assessment.supervision import common, rectifications, spot_checks
from assessment.supervision.models import ChecklistItem, CorrectiveAction, Rectification, SpotCheck
from cases.models import Notification
from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from tests.factories import assessment as af
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

PERIOD = "2026Q2"


@pytest.fixture
def calendar(db):
    f.calendar_seed()


@pytest.fixture
def sup(calendar):
    return f.supervisor()


def closed_case(day="2026-05-06", dept="SALES", **fields):
    at = af.local_dt(day)
    values = {"status": "closed", "notified_at": at, "first_notified_at": at, "closed_at": at, "outcome": "accepted",
              "department": af.DepartmentFactory(code=dept, name=dept)}
    values.update(fields)
    return af.ComplaintFactory(**values)


def population(n, dept="SALES"):
    return [closed_case(dept=dept) for _ in range(n)]


def all_pass():
    return {c.code: (True, "") for c in ChecklistItem.objects.filter(active=True)}


# -- drawing ----------------------------------------------------------------------------------

def test_sample_draw_same_seed_same_population_gives_same_sample():
    population = [f"TS-2026-{i:06d}" for i in range(100)]
    first, took_all = spot_checks.sample_draw(population, 10, "seed-42")
    assert spot_checks.sample_draw(population, 10, "seed-42") == (first, False)
    assert not took_all and len(first) == 10 and first == sorted(first)
    assert spot_checks.sample_draw(population, 10, "seed-43")[0] != first


def test_spot_check_draw_is_reproducible_from_the_recorded_seed(sup):
    # given 12 closed cases of SALES in the quarter, and one outside it, and one of another department
    cases = population(12)
    closed_case(day="2026-07-02")
    closed_case(dept="CS")
    # when the supervisor draws 5 with a recorded seed
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=5, seed="abc")
    # then the draw recorded the seed, the population and the sample
    assert check.seed == "abc" and check.population_size == 12 and check.drawn_count == 5 and not check.took_all
    drawn = sorted(check.items.values_list("case__reference", flat=True))
    refs = sorted(c.reference for c in cases)
    assert set(drawn) <= set(refs)
    # and the same seed over the same (reference-ordered) population gives the same cases
    expected, _ = spot_checks.sample_draw(refs, 5, "abc")
    assert drawn == expected


def test_spot_check_draw_without_seed_records_a_fresh_one(sup):
    population(3)
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", percent="50")
    assert len(check.seed) == 16
    assert check.drawn_count == 2  # 50 % of 3, rounded up


def test_sampling_more_than_exist_takes_all_and_says_so(sup):
    population(3)
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=10, seed="s")
    assert check.took_all and check.drawn_count == 3 and check.population_size == 3


def test_second_draw_for_the_same_period_and_department_is_refused(sup):
    population(4)
    first = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=2, seed="one")
    with pytest.raises(common.SpotCheckExists) as exc:
        spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=2, seed="two")
    assert exc.value.code == "spot_check_exists"
    assert SpotCheck.objects.count() == 1
    first.refresh_from_db()
    assert first.state == "active"


def test_replacing_a_draw_needs_a_reason_and_keeps_the_old_one(sup):
    population(4)
    first = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=2, seed="one")
    second = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=3, seed="two",
                                replace_reason="Population corrected after late closures")
    first.refresh_from_db()
    assert first.state == "replaced" and second.replaces == first
    assert second.replace_reason.startswith("Population corrected")
    assert first.history.filter(state="replaced", history_user=sup).exists()


def test_only_the_supervisor_draws(calendar):
    population(2)
    with pytest.raises(PermissionDenied):
        spot_checks.spot_check_draw(actor=f.head("SALES"), period=PERIOD, department="SALES", size=1)


def test_size_and_percent_are_exclusive(sup):
    with pytest.raises(ValidationFailed):
        spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=2, percent=10)
    with pytest.raises(ValidationFailed):
        spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES")


# -- review and rectification ------------------------------------------------------------------

def test_checklist_has_the_four_spec_items():
    assert list(ChecklistItem.objects.values_list("code", flat=True)) == [
        "record_complete", "investigation_truthful", "handling_fair", "feedback_timely"]


def test_a_passed_review_opens_nothing(sup):
    population(1)
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=1, seed="x")
    item = spot_checks.spot_check_item_review(actor=sup, item_id=check.items.get().pk, answers=all_pass())
    assert item.result == "passed" and item.reviewer == sup and item.results.count() == 4
    assert not Rectification.objects.exists()


def test_a_review_must_answer_every_item(sup):
    population(1)
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=1, seed="x")
    answers = all_pass()
    answers.pop("handling_fair")
    with pytest.raises(ValidationFailed):
        spot_checks.spot_check_item_review(actor=sup, item_id=check.items.get().pk, answers=answers)


def test_rectification_lifecycle(sup):
    # given a reviewed case that fails "feedback timely", with a SALES head
    head = f.head("SALES")
    population(1)
    check = spot_checks.spot_check_draw(actor=sup, period=PERIOD, department="SALES", size=1, seed="x")
    answers = {**all_pass(), "feedback_timely": (False, "Decision sent 3 days late")}
    item = spot_checks.spot_check_item_review(actor=sup, item_id=check.items.get().pk, answers=answers)
    # then a rectification is open for SALES, owned by its head, due in 10 working days
    assert item.result == "failed"
    rect = Rectification.objects.get()
    assert rect.department.code == "SALES" and rect.owner == head and rect.status == "open"
    assert rect.due_on > datetime.date.today()
    assert "Decision sent 3 days late" in rect.description
    assert Notification.objects.filter(kind="rectification_opened", recipient=head).count() == 1
    # and the same case cannot be reviewed twice
    with pytest.raises(common.AlreadyReviewed):
        spot_checks.spot_check_item_review(actor=sup, item_id=item.pk, answers=all_pass())

    # when it is closed without a note: refused
    with pytest.raises(common.ClosingNoteRequired) as exc:
        rectifications.rectification_close(actor=head, rectification_id=rect.pk, note="  ")
    assert exc.value.code == "closing_note_required"
    rect.refresh_from_db()
    assert rect.status == "open"

    # when the head closes it with a note
    rectifications.rectification_close(actor=head, rectification_id=rect.pk, note="Reminder template fixed; staff trained.")
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.closed_by == head and rect.closed_at
    assert rect.history.filter(status="closed", history_user=head).exists()
    with pytest.raises(common.AlreadyClosed):
        rectifications.rectification_close(actor=head, rectification_id=rect.pk, note="again")

    # and the summary counts it
    summary = spot_checks.spot_check_summary(period_parse(PERIOD))
    row = summary["rows"][0]
    assert (row["drawn"], row["reviewed"], row["failed"], row["rectifications_closed"]) == (1, 1, 1, 1)
    assert summary["failures_by_item"][0]["checklist_item__code"] == "feedback_timely"


def test_another_department_head_cannot_close_a_rectification(sup):
    f.head("SALES")
    other = f.head("CS")
    rect = rectifications.rectification_open(actor=sup, department=af.DepartmentFactory(code="SALES"), description="x")
    with pytest.raises(Exception) as exc:
        rectifications.rectification_close(actor=other, rectification_id=rect.pk, note="done")
    assert exc.value.code == "not_found"


def test_reminders_remind_then_escalate_once(sup):
    head = f.head("SALES")
    rect = rectifications.rectification_open(actor=sup, department=af.DepartmentFactory(code="SALES"), description="Fix it")
    # a working day before the due date: one reminder, however often beat fires
    day_before = rect.due_on - datetime.timedelta(days=1)
    assert rectifications.supervision_reminders(today=day_before)["reminded"] == 1
    assert rectifications.supervision_reminders(today=day_before)["reminded"] == 0
    assert Notification.objects.filter(kind="rectification_due", recipient=head).count() == 1
    # after the due date: escalated to the head and the supervisors, once
    late = rect.due_on + datetime.timedelta(days=1)
    assert rectifications.supervision_reminders(today=late)["escalated"] == 1
    rectifications.supervision_reminders(today=late)
    assert Notification.objects.filter(kind="rectification_overdue", recipient=sup).count() == 1
    assert Notification.objects.filter(kind="rectification_overdue", recipient=head).count() == 1


# -- corrective actions and recurring causes -------------------------------------------------------

def test_closed_at_fault_case_without_corrective_action_is_in_the_queue(sup):
    case = closed_case(at_fault=True)
    closed_case(at_fault=False)
    assert list(rectifications.corrective_missing()) == [case]
    action = rectifications.corrective_action_create(actor=sup, reference=case.reference, root_cause="communication",
                                         description="Script for calls rewritten", owner=sup.username,
                                         due_on=datetime.date(2026, 7, 1))
    case.refresh_from_db()
    assert case.root_cause == "communication" and action.department == case.department
    assert list(rectifications.corrective_missing()) == []
    assert list(rectifications.corrective_open()) == [action]
    with pytest.raises(common.ClosingNoteRequired):
        rectifications.corrective_action_complete(actor=sup, action_id=action.pk, note="")
    rectifications.corrective_action_complete(actor=sup, action_id=action.pk, note="Rolled out")
    assert CorrectiveAction.objects.get().status == "done"


def test_corrective_action_refused_for_a_case_not_at_fault(sup):
    case = closed_case(at_fault=False)
    with pytest.raises(ValidationFailed):
        rectifications.corrective_action_create(actor=sup, reference=case.reference, root_cause="other", description="x",
                                    owner=sup.username, due_on=datetime.date(2026, 7, 1))


def test_recurring_root_causes_flags_n_times_same_cause_same_department(sup):
    for _ in range(3):
        closed_case(at_fault=True, root_cause="communication")
    closed_case(at_fault=True, root_cause="system_error")
    for _ in range(3):
        closed_case(at_fault=True, root_cause="communication", dept="CS", closed_at=af.local_dt("2026-08-01"))
    rows = rectifications.recurring_root_causes(period_parse(PERIOD))
    assert [(r["department"], r["root_cause"], r["count"]) for r in rows] == [("SALES", "communication", 3)]
    assert rectifications.recurring_root_causes(period_parse(PERIOD), threshold=4) == []


@pytest.mark.parametrize("query, listed", [
    ("", []),  # no ?min: the default threshold 3, so two occurrences are not recurring
    ("&min=", []),
    ("&min=abc", []),
    ("&min=0", []),
    ("&min=2", [("SALES", "communication", 2)]),
])
def test_recurring_page_without_a_valid_min_uses_the_default_threshold(sup, client, query, listed):
    # given one root cause twice in one department, another once
    for _ in range(2):
        closed_case(at_fault=True, root_cause="communication")
    closed_case(at_fault=True, root_cause="system_error")
    client.force_login(sup)
    # when
    response = client.get(f"/assessment/supervision/recurring/?period={PERIOD}{query}")
    # then
    assert response.status_code == 200
    rows = [(r["department"], r["root_cause"], r["count"]) for r in response.context["rows"]]
    assert rows == listed
    assert response.context["threshold"] == (2 if listed else 3)


def test_recurring_threshold_takes_a_whole_number_from_one_up_else_the_setting():
    assert rectifications.recurring_threshold() == 3
    assert rectifications.recurring_threshold("5") == 5
    assert rectifications.recurring_threshold(-4) == 3
    assert rectifications.recurring_threshold("9" * 40) == rectifications.RECURRING_THRESHOLD_MAX
