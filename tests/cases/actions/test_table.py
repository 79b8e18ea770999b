"""The action table against an explicit matrix (SPEC §3): every state × every action."""
import itertools

import pytest

from cases.actions import table
from cases.models import CaseEvent, Complaint
from cases.models.case import Status
from cases.services import case_transition
from complaints_portal.common.errors import ReadOnlyCase, TransitionNotAllowed
from tests.factories.cases import ComplaintFactory, supervisor

STATES = [s.value for s in Status]
OPEN = ["received", "acknowledged", "assigned", "investigating", "reported", "plan_pending", "plan_approved",
        "responded"]
BEFORE_DECISION = OPEN[:-1]
WITH_DEPARTMENT = ["assigned", "investigating", "reported", "plan_pending", "plan_approved"]
SAME = "same"  # allowed; the state does not change

# Written out by hand from SPEC §3, not derived from the table under test.
EXPECTED = {
    ("received", "acknowledge"): "acknowledged",
    ("received", "assign"): "assigned",
    ("acknowledged", "assign"): "assigned",
    ("assigned", "form_team"): "investigating",
    ("investigating", "submit_report"): "reported",
    ("reported", "propose_plan"): "plan_pending",
    ("plan_pending", "approve_plan"): "plan_approved",
    ("plan_pending", "reject_plan"): "reported",
    ("plan_approved", "notify_decision"): "responded",
    ("responded", "customer_accepts"): "closed",
    ("responded", "customer_disputes"): "assigned",
    ("responded", "close"): "closed",
    ("closed", "archive"): "archived",
    **{(s, "withdraw"): "closed" for s in OPEN},
    **{(s, a): SAME for s in BEFORE_DECISION for a in ("extend", "pause", "resume", "restart_clock", "merge")},
    **{(s, "reassign"): SAME for s in WITH_DEPARTMENT},
    # After a reassignment the new department forms a new team at whatever stage the case is
    # (SPEC §1); the service refuses it while a team is active.
    **{(s, "form_team"): SAME for s in WITH_DEPARTMENT[1:]},
    # A clerk who dispatched first still records the first contact later (the clock ran on).
    **{(s, "acknowledge_late"): SAME for s in WITH_DEPARTMENT},
    # A customer's flags (SPEC §12) change while the case is open.
    **{(s, "set_flags"): SAME for s in OPEN},
    ("closed", "legal_hold"): SAME,
    ("archived", "legal_hold"): SAME,
    # SPEC §10: an attempt to tell the customer the decision that did not reach them.
    ("plan_approved", "notice_attempt"): SAME,
    # SPEC §11: mediation never changes the state; an agreement may be performed after closing.
    **{(s, a): SAME for s in OPEN for a in ("mediation_start", "mediation_end", "mediation_performed")},
    ("closed", "mediation_performed"): SAME,
    # SPEC §12: a group's details, the marking of a major complaint and its emergency report
    # while the case is open; none changes the state.
    **{(s, a): SAME for s in OPEN for a in ("set_group", "mark_major", "submit_emergency_report")},
}


def test_the_table_names_exactly_the_expected_actions():
    assert set(table.ACTIONS) == {a for _s, a in EXPECTED}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(STATES, table.ACTIONS)))
def test_transition_from_state_matches_the_matrix(state, action):
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(ValueError):
            table.target_state(action, state)
        assert action not in table.allowed_actions(state)
    else:
        assert table.target_state(action, state) == (state if expected == SAME else expected)
        assert action in table.allowed_actions(state) or action == "acknowledge_late"


def test_acknowledge_late_is_not_a_public_action():
    assert "acknowledge_late" not in table.PUBLIC_ACTIONS


def test_archived_is_terminal_except_for_the_legal_hold():
    assert table.allowed_actions("archived") == ["legal_hold"]


def test_graph_edges_are_the_state_changing_entries_of_the_matrix():
    edges = set(table.graph_edges())

    assert edges == {(s, a, t) for (s, a), t in EXPECTED.items() if t != SAME}


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s for s in STATES if s != "archived"])
def test_service_refuses_every_action_the_matrix_does_not_allow_and_changes_nothing(state, calendar):
    # given a case walked to `state` through the services
    case = ComplaintFactory(state=state)
    events = CaseEvent.objects.filter(case=case).count()
    refused = [a for a in table.PUBLIC_ACTIONS if (state, a) not in EXPECTED]
    for action in refused:
        # when: the state is checked before the actor's permission, so anyone who sees the case
        # gets the state refusal
        with pytest.raises(TransitionNotAllowed) as error:
            case_transition(actor=supervisor(), reference=case.reference, action=action, data={"reason": "x"})
        # then
        assert error.value.code == "transition_not_allowed"
        assert error.value.extra["status"] == state
    fresh = Complaint.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == (case.status, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.django_db
def test_service_refuses_every_action_but_legal_hold_on_an_archived_case(calendar):
    case = ComplaintFactory(archived=True)
    for action in table.PUBLIC_ACTIONS:
        if action == "legal_hold":
            continue
        with pytest.raises(ReadOnlyCase):
            case_transition(actor=supervisor(), reference=case.reference, action=action, data={})
    held = case_transition(actor=supervisor(), reference=case.reference, action="legal_hold",
                           data={"hold": True, "reason": "Litigation"})
    assert held.legal_hold is True and held.status == "archived"
