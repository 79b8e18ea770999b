"""Who may do what (SPEC §3 table), through the service: role × action × own/other department.

Outcomes: "ok" the action is performed; "403" PermissionDenied; "404" the case is not visible to
the actor at all (another department's case, exactly like a missing one)."""
import pytest

from cases.actions.table import actions_for
from cases.models import CaseEvent, Complaint
from cases.services import case_transition
from complaints_portal.common.errors import NotFound, PermissionDenied
from tests.factories.cases import ComplaintFactory, frozen_now, investigator, local_dt, review_case

pytestmark = pytest.mark.django_db

# The case is SALES's; inv_sales leads its team from form_team on, inv2_sales is in SALES but not
# on the team; inv_cs / head_cs are another department.
ROLES = ["clerk", "inv_sales", "inv2_sales", "head_sales", "inv_cs", "head_cs", "senior", "supervisor"]
TEAM = {"inv_sales"}

# action -> (state the case is in, data)
ACTIONS = {
    "acknowledge": ("received", {}),
    "assign": ("acknowledged", {"department": "SALES"}),
    "reassign": ("assigned", {"department": "CS", "reason": "Claims matter."}),
    "form_team": ("assigned", {"lead": "inv_sales", "members": ["inv_sales"], "recusal_attested_by": ["inv_sales"]}),
    "submit_report": ("investigating", {"facts": "f", "at_fault": False, "recommendation": "r"}),
    "propose_plan": ("reported", {"plan": "p"}),
    "approve_plan": ("plan_pending", {}),
    "reject_plan": ("plan_pending", {"reason": "Too generous."}),
    "notify_decision": ("plan_approved", {"method": "phone", "decision": "d"}),
    "customer_accepts": ("responded", {}),
    "customer_disputes": ("responded", {"reason": "No."}),
    "close": ("responded", {"reason": "Obligations fulfilled."}),
    "withdraw": ("investigating", {"reason": "Customer withdrew."}),
    "extend complex": ("investigating", {"tier": "complex", "reason": "Appraisal needed."}),
    "extend special": ("investigating", {"tier": "special", "reason": "Several parties."}),
    "archive": ("closed", {}),
    "legal_hold": ("closed", {"hold": True, "reason": "Court order."}),
    "notice_attempt": ("plan_approved", {}),
    "mediation_start": ("investigating", {"organisation": "Mediation centre", "consent": True}),
    "set_group": ("investigating", {"complainant_count": 25, "representatives": [{"name": "李四", "phone": "13800138000"}]}),
    "mark_major": ("investigating", {"reason": "media"}),
}

OK, NO, HIDDEN = "ok", "403", "404"
# Cases without a department (received, acknowledged) are invisible to department staff.
UNASSIGNED = {"clerk": OK, "inv_sales": HIDDEN, "inv2_sales": HIDDEN, "head_sales": HIDDEN, "inv_cs": HIDDEN,
              "head_cs": HIDDEN, "senior": NO, "supervisor": NO}


def row(clerk, inv, inv2, head, senior, supervisor):
    """Expected outcomes on a SALES case; CS staff never see it."""
    return {"clerk": clerk, "inv_sales": inv, "inv2_sales": inv2, "head_sales": head, "inv_cs": HIDDEN,
            "head_cs": HIDDEN, "senior": senior, "supervisor": supervisor}


EXPECTED = {
    "acknowledge": UNASSIGNED,
    "assign": UNASSIGNED,
    "reassign": row(OK, NO, NO, NO, NO, OK),
    "form_team": row(NO, NO, NO, OK, OK, NO),
    "submit_report": row(NO, OK, NO, OK, OK, NO),
    "propose_plan": row(NO, OK, NO, OK, OK, NO),
    "approve_plan": row(NO, NO, NO, OK, OK, NO),
    "reject_plan": row(NO, NO, NO, OK, OK, NO),
    "notify_decision": row(OK, OK, NO, OK, OK, NO),
    "customer_accepts": row(OK, OK, NO, OK, OK, NO),
    "customer_disputes": row(OK, OK, NO, OK, OK, NO),
    "close": row(OK, OK, NO, OK, OK, NO),
    "withdraw": row(OK, OK, NO, OK, OK, NO),
    "extend complex": row(NO, NO, NO, OK, OK, NO),
    "extend special": row(NO, NO, NO, NO, OK, NO),
    "archive": row(NO, NO, NO, NO, NO, OK),
    "legal_hold": row(NO, NO, NO, NO, NO, OK),
    "notice_attempt": row(OK, OK, NO, OK, OK, NO),
    "mediation_start": row(OK, OK, NO, OK, OK, NO),
    # SPEC §12: a clerk, the department's head, senior managers and supervisors.
    "set_group": row(OK, NO, NO, OK, OK, OK),
    "mark_major": row(OK, NO, NO, OK, OK, OK),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(people, action, role):
    # given: a SALES case in the state the action starts from; time fixed in October 2026 so
    # that even the especially-complex deadline stays within the seeded calendar
    people["inv2_sales"] = investigator("SALES", username="inv2_sales")
    state, data = ACTIONS[action]
    with frozen_now(local_dt("2026-10-13")):
        case = ComplaintFactory(state=state, received_at=local_dt("2026-10-09", 9))
        events = CaseEvent.objects.filter(case=case).count()
        name = action.split()[0]
        expected = EXPECTED[action][role]
        # when / then
        if expected == OK:
            after = case_transition(actor=people[role], reference=case.reference, action=name, data=data)
            assert after.version == case.version + 1
            assert CaseEvent.objects.filter(case=case, kind=name, actor=people[role]).count() == 1
        else:
            error = NotFound if expected == HIDDEN else PermissionDenied
            with pytest.raises(error):
                case_transition(actor=people[role], reference=case.reference, action=name, data=data)
            fresh = Complaint.objects.get(pk=case.pk)
            assert (fresh.status, fresh.version) == (case.status, case.version)
            assert CaseEvent.objects.filter(case=case).count() == events


def test_review_form_team_only_by_senior_even_for_the_head_of_the_department(people):
    # given
    case = review_case()
    assert (case.status, case.round) == ("assigned", 2)
    # when / then
    with pytest.raises(PermissionDenied):
        case_transition(actor=people["head_sales"], reference=case.reference, action="form_team",
                        data={"lead": "inv_cs"})
    case = case_transition(actor=people["senior"], reference=case.reference, action="form_team",
                           data={"lead": "inv_cs", "recusal_attested_by": ["inv_cs"]})
    assert case.status == "investigating"


def test_review_plan_is_approved_by_a_senior_manager_not_the_department_head(people):
    # given: a review whose team proposed a plan
    case = ComplaintFactory(responded=True)
    ref = case.reference
    case_transition(actor=people["clerk"], reference=ref, action="customer_disputes", data={"reason": "No."})
    case_transition(actor=people["senior"], reference=ref, action="form_team",
                    data={"lead": "inv_cs", "recusal_attested_by": ["inv_cs"]})
    case_transition(actor=people["inv_cs"], reference=ref, action="submit_report",
                    data={"facts": "f", "at_fault": False, "recommendation": "r"})
    case_transition(actor=people["inv_cs"], reference=ref, action="propose_plan", data={"plan": "p"})
    # when / then
    with pytest.raises(PermissionDenied):
        case_transition(actor=people["head_sales"], reference=ref, action="approve_plan")
    assert case_transition(actor=people["senior"], reference=ref, action="approve_plan").status == "plan_approved"


@pytest.mark.parametrize(("role", "expected"), [
    ("clerk", ["notify_decision", "notice_attempt", "withdraw", "restart_clock", "merge", "reassign",
               "set_flags", "mediation_start", "set_group", "mark_major"]),
    ("inv_sales", ["notify_decision", "notice_attempt", "withdraw", "pause", "restart_clock", "mediation_start"]),
    ("head_sales", ["notify_decision", "notice_attempt", "withdraw", "extend", "pause", "restart_clock", "merge",
                    "set_flags", "mediation_start", "set_group", "mark_major"]),
    ("supervisor", ["reassign", "set_flags", "set_group", "mark_major"]),
])
def test_actions_for_lists_what_state_and_role_allow(people, role, expected):
    case = ComplaintFactory(plan_approved=True)

    assert actions_for(people[role], case) == expected


def test_actions_for_offers_resume_instead_of_pause_while_paused(people):
    case = ComplaintFactory(investigating=True)
    case_transition(actor=people["inv_sales"], reference=case.reference, action="pause",
                    data={"kind": "appraisal", "proof": "SMS sent to the customer."})

    actions = actions_for(people["inv_sales"], case)

    assert "resume" in actions and "pause" not in actions
