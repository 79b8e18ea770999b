"""case_transition on the paths beside the main line: withdrawal, the reject loop, extensions,
merges, reassignment, the late acknowledgement, and what each leaves behind."""
import pytest
from django.db import transaction

from cases.actions.handlers import ExtensionTooLate
from cases.models import CaseDeadline, CaseEvent, Extension, Notification, Plan, PlanApproval, TeamMember
from cases.services import case_transition
from complaints_portal.common.errors import TransitionNotAllowed, ValidationFailed
from tests.factories.cases import ComplaintFactory, frozen_now, local_dt

pytestmark = pytest.mark.django_db


def test_withdraw_closes_the_case_and_stops_every_open_deadline(people):
    # given
    case = ComplaintFactory(investigating=True)
    # when
    case = case_transition(actor=people["clerk"], reference=case.reference, action="withdraw",
                           data={"reason": "Customer called to withdraw."})
    # then
    assert (case.status, case.outcome) == ("closed", "withdrawn")
    assert case.withdrawn_at == case.closed_at
    assert case.next_due is None
    open_rows = CaseDeadline.objects.filter(case=case, met_at__isnull=True)
    assert open_rows.exists() and not open_rows.filter(stopped_at__isnull=True).exists()
    event = CaseEvent.objects.get(case=case, kind="withdraw")
    assert (event.from_status, event.to_status, event.data) == ("investigating", "closed",
                                                                {"reason": "Customer called to withdraw."})
    assert case.history.first().status == "closed"
    assert case.history.first().history_user == people["clerk"]


def test_withdraw_without_a_reason_is_refused(people):
    case = ComplaintFactory()

    with pytest.raises(ValidationFailed) as error:
        case_transition(actor=people["clerk"], reference=case.reference, action="withdraw", data={})

    assert "reason" in error.value.extra["fields"]


def test_rejected_plan_returns_to_reported_and_a_new_plan_can_be_approved(people):
    # given
    case = ComplaintFactory(plan_pending=True)
    ref = case.reference
    # when
    case = case_transition(actor=people["head_sales"], reference=ref, action="reject_plan",
                           data={"reason": "Offer too low."})
    # then
    assert case.status == "reported"
    assert Plan.objects.get(case=case).state == "rejected"
    assert PlanApproval.objects.get(plan__case=case).approved is False
    # and a second plan goes through
    case_transition(actor=people["inv_sales"], reference=ref, action="propose_plan", data={"plan": "Better offer."})
    case = case_transition(actor=people["head_sales"], reference=ref, action="approve_plan")
    assert case.status == "plan_approved"
    assert list(Plan.objects.filter(case=case).values_list("state", flat=True)) == ["rejected", "approved"]
    assert [e.kind for e in CaseEvent.objects.filter(case=case, kind__in=["reject_plan", "approve_plan"])] == [
        "reject_plan", "approve_plan"]


def test_extension_to_complex_within_15_days_moves_the_overall_deadline(people):
    # given: received Fri 2026-10-09, simple due Mon 2026-10-26 (10-24 is a Saturday)
    with frozen_now(local_dt("2026-10-20")):
        case = ComplaintFactory(investigating=True, received_at=local_dt("2026-10-09"))
        assert case.due_overall.isoformat() == "2026-10-26"
        # when
        case = case_transition(actor=people["head_sales"], reference=case.reference, action="extend",
                               data={"tier": "complex", "reason": "Medical appraisal."})
    # then: D0 + 30 = Sun 11-08 -> Mon 11-09
    assert case.tier == "complex"
    assert case.due_overall.isoformat() == "2026-11-09"
    assert CaseDeadline.objects.get(case=case, stage="overall").due_on.isoformat() == "2026-11-09"
    extension = Extension.objects.get(case=case)
    assert (extension.counts, extension.due_before.isoformat()) == (True, "2026-10-26")
    assert CaseEvent.objects.get(case=case, kind="extend").data["to"] == "complex"


def test_extension_recorded_after_the_due_date_is_refused_and_changes_nothing(people):
    # given: received 2026-10-09, due 10-26; today is 2026-11-27
    case = ComplaintFactory(investigating=True, received_at=local_dt("2026-10-09"))
    # when
    with pytest.raises(ExtensionTooLate) as error:
        case_transition(actor=people["head_sales"], reference=case.reference, action="extend",
                        data={"tier": "complex", "reason": "Too late."})
    # then
    assert error.value.code == "extension_too_late"
    assert error.value.extra == {"due": "2026-10-26"}
    case.refresh_from_db()
    assert (case.tier, case.due_overall.isoformat()) == ("simple", "2026-10-26")
    assert not Extension.objects.filter(case=case).exists()


def test_extension_to_a_lower_or_equal_tier_is_refused(people):
    with frozen_now(local_dt("2026-10-13")):
        case = ComplaintFactory(investigating=True, received_at=local_dt("2026-10-09"))
        case_transition(actor=people["senior"], reference=case.reference, action="extend",
                        data={"tier": "special", "reason": "Several parties."})
        with pytest.raises(ValidationFailed):
            case_transition(actor=people["senior"], reference=case.reference, action="extend",
                            data={"tier": "complex", "reason": "Down."})


def test_merge_marks_the_duplicate_and_records_it_on_both_cases(people):
    # given
    master = ComplaintFactory(assigned=True)
    duplicate = ComplaintFactory()
    # when
    duplicate = case_transition(actor=people["clerk"], reference=duplicate.reference, action="merge",
                                data={"into": master.reference})
    # then
    assert duplicate.merged_into == master and duplicate.outcome == "merged"
    assert CaseEvent.objects.get(case=master, kind="merged_duplicate").data == {"duplicate": duplicate.reference}
    assert not CaseDeadline.objects.filter(case=duplicate, met_at__isnull=True, stopped_at__isnull=True).exists()
    # a merged case takes no further action
    with pytest.raises(TransitionNotAllowed):
        case_transition(actor=people["clerk"], reference=duplicate.reference, action="assign",
                        data={"department": "SALES"})


def test_merge_into_itself_or_a_closed_case_is_refused(people):
    case = ComplaintFactory()
    closed = ComplaintFactory(closed=True)

    for into in (case.reference, closed.reference):
        with pytest.raises(ValidationFailed):
            case_transition(actor=people["clerk"], reference=case.reference, action="merge", data={"into": into})


def test_reassign_moves_the_case_and_notifies_the_new_head(people):
    # given
    case = ComplaintFactory(investigating=True)
    # when
    case = case_transition(actor=people["supervisor"], reference=case.reference, action="reassign",
                           data={"department": "CS", "reason": "A claims matter."})
    # then
    assert case.department.code == "CS" and case.status == "investigating"
    assert CaseEvent.objects.get(case=case, kind="reassign").data == {
        "from": "SALES", "to": "CS", "reason": "A claims matter.", "team_ended": ["inv_sales"]}
    assert Notification.objects.filter(case=case, recipient=people["head_cs"], kind="case_assigned").exists()


def test_reassign_to_the_same_or_an_unknown_department_is_refused(people):
    case = ComplaintFactory(assigned=True)

    for code in ("SALES", "NOPE"):
        with pytest.raises(ValidationFailed):
            case_transition(actor=people["clerk"], reference=case.reference, action="reassign",
                            data={"department": code, "reason": "x"})


def test_acknowledge_after_dispatch_records_the_contact_without_changing_state(people):
    # given: dispatched straight from received
    case = ComplaintFactory()
    case = case_transition(actor=people["clerk"], reference=case.reference, action="assign",
                           data={"department": "SALES"})
    # when
    case = case_transition(actor=people["clerk"], reference=case.reference, action="acknowledge",
                           data={"method": "sms"})
    # then
    assert case.status == "assigned" and case.acknowledged_at is not None
    assert CaseEvent.objects.filter(case=case, kind="acknowledge_late").count() == 1
    assert CaseDeadline.objects.get(case=case, stage="acknowledge").met_at is not None
    with pytest.raises(TransitionNotAllowed):
        case_transition(actor=people["clerk"], reference=case.reference, action="acknowledge")


def test_form_team_in_round_one_only_with_department_members(people):
    case = ComplaintFactory(assigned=True)

    with pytest.raises(ValidationFailed):
        case_transition(actor=people["head_sales"], reference=case.reference, action="form_team",
                        data={"lead": "inv_sales", "members": ["inv_cs"]})
    assert not TeamMember.objects.filter(case=case).exists()


def test_review_team_may_not_include_anyone_who_handled_round_one(people):
    # given: round 1 handled by inv_sales (team, report, plan), head_sales (approval), clerk (notice)
    case = ComplaintFactory(responded=True)
    ref = case.reference
    case_transition(actor=people["clerk"], reference=ref, action="customer_disputes", data={"reason": "No."})
    # when / then: each of them is refused as a review member
    for handler in ("inv_sales", "head_sales", "clerk"):
        with pytest.raises(ValidationFailed) as error:
            case_transition(actor=people["senior"], reference=ref, action="form_team",
                            data={"lead": "inv_cs", "members": [handler]})
        assert error.value.code == "review_conflict"
    assert not TeamMember.objects.filter(case=case, round=2).exists()
    case = case_transition(actor=people["senior"], reference=ref, action="form_team",
                           data={"lead": "inv_cs", "members": ["head_cs"], "recusal_attested_by": ["inv_cs", "head_cs"]})
    assert set(TeamMember.objects.filter(case=case, round=2).values_list("user__username", flat=True)) == {
        "inv_cs", "head_cs"}
    assert Notification.objects.filter(case=case, kind="review_opened", recipient=people["senior"]).exists()


def test_dispute_opens_the_review_deadline_and_keeps_the_first_round_result(people):
    case = ComplaintFactory(responded=True)
    first_due = case.due_overall

    case = case_transition(actor=people["clerk"], reference=case.reference, action="customer_disputes",
                           data={"reason": "No."})

    assert case.round == 2 and case.status == "assigned"
    assert case.due_overall == first_due
    assert CaseDeadline.objects.get(case=case, stage="overall").met_at is not None
    review = CaseDeadline.objects.get(case=case, stage="review")
    assert review.met_at is None and review.due_on > first_due


def test_notifications_are_delivered_only_after_commit(people, django_capture_on_commit_callbacks):
    case = ComplaintFactory(acknowledged=True)

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        case_transition(actor=people["clerk"], reference=case.reference, action="assign",
                        data={"department": "SALES"})

    assert len(callbacks) == 1  # the email delivery of the head's notification
    assert Notification.objects.filter(case=case, recipient=people["head_sales"]).count() == 1
