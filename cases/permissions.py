"""Who may do what on a case (SPEC §3 table). Predicates only; the services call them, so the
HTML pages, the API and the tasks all follow the same rule.

A department head or investigator acts only on cases of their own department(s); a review
(round 2) is led by a senior manager and may include staff of other departments, who act as
team members of that round.
"""
from complaints_portal.common.roles import (
    ADMINISTRATOR,
    DEPARTMENT_HEAD,
    INTAKE_CLERK,
    INVESTIGATOR,
    SENIOR_MANAGER,
    SUPERVISOR,
    user_memberships,
    user_roles,
)

from .models import DepartmentMembership


def department_ids(user, role=None):
    """Ids of the departments the user belongs to (optionally in one membership role).
    Read with the user's roles in one query per request (``user_memberships``)."""
    cache = user.__dict__.setdefault("_portal_departments", {})
    if role not in cache:
        cache[role] = frozenset(d for d, r in user_memberships(user) if not role or r == role)
    return cache[role]


def is_head_of(user, case):
    return (
        DEPARTMENT_HEAD in user_roles(user)
        and case.department_id is not None
        and case.department_id in department_ids(user, DepartmentMembership.Role.HEAD)
    )


def is_department_investigator(user, case):
    return (
        INVESTIGATOR in user_roles(user)
        and case.department_id is not None
        and case.department_id in department_ids(user)
    )


def team_known_empty(case):
    """Record that the case has no team at all (the caller has checked), so that
    ``is_team_member`` answers without a query for anyone."""
    case.__dict__["_team_empty"] = True


def is_team_member(user, case):
    """Member (or lead) of the case's active team: the current round's, not ended by a
    reassignment (SPEC §1)."""
    if case.__dict__.get("_team_empty"):
        return False
    cache = case.__dict__.setdefault("_team_cache", {})
    key = (case.round, user.pk)
    if key not in cache:
        cache[key] = case.team.filter(round=case.round, user=user, ended_at__isnull=True).exists()
    return cache[key]


def has_active_team(case):
    """Whether the case has an investigation team now: ``team_formed_at`` is set when a team is
    formed and cleared when it is ended (a reassignment, a dispute opening the review)."""
    return case.team_formed_at is not None


def is_senior(user):
    return SENIOR_MANAGER in user_roles(user)


def is_clerk(user):
    return INTAKE_CLERK in user_roles(user)


def is_supervisor(user):
    return SUPERVISOR in user_roles(user)


def handles_case(user, case):
    """Team member of the current round, head of the case's department, or senior manager."""
    return is_senior(user) or is_head_of(user, case) or is_team_member(user, case)


def can_act(user, case, action, data=None):
    """True if `user` may perform `action` on `case` (state is checked separately)."""
    data = data or {}
    if action in ("acknowledge", "acknowledge_late", "assign"):
        return is_clerk(user)
    if action == "reassign":
        return is_clerk(user) or is_supervisor(user)
    if action == "form_team":
        if case.round > 1:
            return is_senior(user)
        return is_senior(user) or is_head_of(user, case)
    if action in ("submit_report", "propose_plan", "pause", "resume"):
        return handles_case(user, case)
    if action in ("approve_plan", "reject_plan"):
        return is_senior(user) or (case.round == 1 and is_head_of(user, case))
    if action in ("notify_decision", "customer_accepts", "customer_disputes", "close", "withdraw", "restart_clock"):
        return is_clerk(user) or handles_case(user, case)
    if action == "merge":
        return is_clerk(user) or is_senior(user) or is_head_of(user, case)
    if action == "extend":
        if data.get("tier") == "special":
            return is_senior(user)
        return is_senior(user) or is_head_of(user, case)
    if action in ("archive", "legal_hold"):
        return is_supervisor(user)
    return False


def can_upload(user, case):
    return is_clerk(user) or is_senior(user) or is_head_of(user, case) or is_department_investigator(user, case) \
        or is_team_member(user, case)


def can_see_personal_data(user, case):
    """Full phone / ID number. Clerks only on cases they registered; the department handling
    the case, senior managers and supervisors. Each view is logged by the caller."""
    roles = user_roles(user)
    if roles & {SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR}:
        return True
    if INTAKE_CLERK in roles and case.registered_by_id == user.pk:
        return True
    return is_head_of(user, case) or is_department_investigator(user, case) or is_team_member(user, case)


def sees_all_cases(user):
    return bool(user_roles(user) & {INTAKE_CLERK, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR})


def extend_tiers(user, case):
    """The tiers above the case's current one that `user` may extend it to."""
    from .models.deadlines import Tier

    order = list(Tier)
    higher = order[order.index(case.tier) + 1:] if case.tier in order else []
    return [t for t in higher if can_act(user, case, "extend", {"tier": t})]


def actions_for(user, case, *, open_pause=None):
    """The public actions `user` may perform on `case` now: allowed by the state (and by the
    merge/archive rules the service applies) and by the actor's permission. Drives the buttons
    on the case page and `allowed_actions` in the API; the service checks again on submit.
    `open_pause`: whether a pause is running, when the caller already knows (else one query)."""
    from . import workflow
    from .models.case import Status

    if case.status == Status.ARCHIVED or case.merged_into_id:
        candidates = ["legal_hold"] if "legal_hold" in workflow.allowed_actions(case.status) else []
    else:
        candidates = workflow.allowed_actions(case.status)
        if case.acknowledged_at is None and case.status in workflow.TRANSITIONS["acknowledge_late"].sources:
            candidates = ["acknowledge", *candidates]
        if case.acknowledged_at is not None and "acknowledge" in candidates:
            candidates.remove("acknowledge")
    checked = {"acknowledge": "acknowledge_late"} if case.status != Status.RECEIVED else {}
    actions = [
        a for a in candidates
        if (extend_tiers(user, case) if a == "extend" else can_act(user, case, checked.get(a, a)))
    ]
    if "form_team" in actions and has_active_team(case):
        actions.remove("form_team")
    if "pause" in actions or "resume" in actions:
        # Only one of the two makes sense at a time: one query, only for those who may do either.
        paused = case.pauses.filter(end__isnull=True).exists() if open_pause is None else open_pause
        actions = [a for a in actions if a != ("pause" if paused else "resume")]
    return actions
