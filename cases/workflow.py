"""The lifecycle of a case as data (SPEC §3). Pure Python: no database access here.

TRANSITIONS maps an action to the states it may start from and the state it leads to
(None: the action does not change the state). cases.services.case_transition is the only
code that applies it; tests walk every (state, action) pair against an explicit matrix.
"""
from dataclasses import dataclass

from .models.case import OPEN_STATUSES, Status

S = Status
BEFORE_DECISION = (S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.INVESTIGATING, S.REPORTED, S.PLAN_PENDING, S.PLAN_APPROVED)
WITH_DEPARTMENT = (S.ASSIGNED, S.INVESTIGATING, S.REPORTED, S.PLAN_PENDING, S.PLAN_APPROVED)


@dataclass(frozen=True)
class Transition:
    sources: tuple
    target: str | None  # None: the state stays as it is
    # Sources from which the action keeps the state although it has a target.
    keeps: tuple = ()

    def target_from(self, status):
        return status if self.target is None or status in self.keeps else self.target


TRANSITIONS = {
    # The acknowledgement clock keeps running when a clerk dispatches first, so contacting the
    # customer stays possible (once) after assignment; it then does not change the state.
    "acknowledge": Transition((S.RECEIVED,), S.ACKNOWLEDGED),
    "acknowledge_late": Transition(WITH_DEPARTMENT, None),
    "assign": Transition((S.RECEIVED, S.ACKNOWLEDGED), S.ASSIGNED),
    # After a reassignment the new department forms a new team whatever stage the case is at
    # (SPEC §1); the state stays. The service allows it there only while no team is active.
    "form_team": Transition(WITH_DEPARTMENT, S.INVESTIGATING, keeps=WITH_DEPARTMENT[1:]),
    "submit_report": Transition((S.INVESTIGATING,), S.REPORTED),
    "propose_plan": Transition((S.REPORTED,), S.PLAN_PENDING),
    "approve_plan": Transition((S.PLAN_PENDING,), S.PLAN_APPROVED),
    "reject_plan": Transition((S.PLAN_PENDING,), S.REPORTED),
    "notify_decision": Transition((S.PLAN_APPROVED,), S.RESPONDED),
    "customer_accepts": Transition((S.RESPONDED,), S.CLOSED),
    "customer_disputes": Transition((S.RESPONDED,), S.ASSIGNED),
    "close": Transition((S.RESPONDED,), S.CLOSED),
    "withdraw": Transition(OPEN_STATUSES, S.CLOSED),
    "archive": Transition((S.CLOSED,), S.ARCHIVED),
    # Actions that do not change the state.
    "extend": Transition(BEFORE_DECISION, None),
    "pause": Transition(BEFORE_DECISION, None),
    "resume": Transition(BEFORE_DECISION, None),
    "restart_clock": Transition(BEFORE_DECISION, None),
    "merge": Transition(BEFORE_DECISION, None),
    "reassign": Transition(WITH_DEPARTMENT, None),
    "legal_hold": Transition((S.CLOSED, S.ARCHIVED), None),
}

# Actions a client may name in the API (acknowledge_late is chosen by the service itself).
PUBLIC_ACTIONS = tuple(a for a in TRANSITIONS if a != "acknowledge_late")


def target_state(action, status):
    """The state after `action` from `status`, or raise KeyError/ValueError if not allowed."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise ValueError(f"{action} not allowed from {status}")
    return transition.target_from(status)


def allowed_actions(status):
    return [a for a in PUBLIC_ACTIONS if status in TRANSITIONS[a].sources]


def graph_edges():
    """(source, action, target) for every state-changing transition; used to draw the graph."""
    for action, transition in TRANSITIONS.items():
        for source in transition.sources:
            if transition.target_from(source) != source:
                yield source, action, transition.target
