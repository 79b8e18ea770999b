"""Who may do what on a case (SPEC §3). Predicates only, called by the services, so pages, API
and tasks follow one rule. ``who`` is the request's Access or a user. Department staff act on
their departments' cases; a review (round 2) is led by a senior manager and its team members
may come from other departments."""
from complaints_portal.common.roles import (
    ADMINISTRATOR,
    DEPARTMENT_HEAD,
    INTAKE_CLERK,
    INVESTIGATOR,
    SENIOR_MANAGER,
    SUPERVISOR,
    Access,
)

from .models import DepartmentMembership
from .models.deadlines import Tier

HEAD = DepartmentMembership.Role.HEAD


def department_ids(who, role=None):
    """Ids of the departments the user belongs to (optionally in one membership role)."""
    return Access.of(who).departments(role)


def is_head_of(who, case):
    access = Access.of(who)
    return (
        DEPARTMENT_HEAD in access.roles
        and case.department_id is not None
        and case.department_id in access.departments(HEAD)
    )


def is_department_investigator(who, case):
    access = Access.of(who)
    return INVESTIGATOR in access.roles and case.department_id is not None and case.department_id in access.departments()


def is_team_member(who, case):
    """Member (or lead) of the case's active team: the current round's, not ended by a
    reassignment or a dispute (SPEC §1)."""
    return Access.of(who).on_team(case)


def has_active_team(case):
    """Whether the case has an investigation team now: ``team_formed_at`` is set when a team is
    formed and cleared when it is ended (a reassignment, a dispute opening the review)."""
    return case.team_formed_at is not None


# A role's predicate also serves as an action's `may` (who, case, data): it ignores the rest.
def is_senior(who, *_):
    return SENIOR_MANAGER in Access.of(who).roles


def is_clerk(who, *_):
    return INTAKE_CLERK in Access.of(who).roles


def is_supervisor(who, *_):
    return SUPERVISOR in Access.of(who).roles


def sees_all_cases(who):
    return Access.of(who).has(INTAKE_CLERK, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR)


def handles_case(who, case, data=None):
    """Team member of the current round, head of the case's department, or senior manager."""
    access = Access.of(who)
    return is_senior(access) or is_head_of(access, case) or is_team_member(access, case)


# -- who may perform an action: the `may` column of cases.actions, (who, case, data) -> bool ----
def clerk_or_supervisor(who, *_):
    return Access.of(who).has(INTAKE_CLERK, SUPERVISOR)


def senior_or_first_round_head(who, case, data=None):
    """A review's team is formed, and its plan approved, by a senior manager only (SPEC §3)."""
    access = Access.of(who)
    return is_senior(access) or (case.round == 1 and is_head_of(access, case))


def clerk_or_case_handler(who, case, data=None):
    access = Access.of(who)
    return is_clerk(access) or handles_case(access, case)


def clerk_senior_or_head(who, case, data=None):
    access = Access.of(who)
    return is_clerk(access) or is_senior(access) or is_head_of(access, case)


def may_extend_to(who, case, tier):
    """Especially complex needs a senior manager; complex also the department's head."""
    access = Access.of(who)
    return is_senior(access) or (tier != Tier.SPECIAL and is_head_of(access, case))


def extender(who, case, data=None):
    """The tier asked for, or (offering the action) any tier above the case's current one."""
    tier = (data or {}).get("tier")
    return may_extend_to(who, case, tier) if tier else bool(extend_tiers(who, case))


def extend_tiers(who, case):
    """The tiers above the case's current one that ``who`` may extend it to."""
    order = list(Tier)
    higher = order[order.index(case.tier) + 1:] if case.tier in order else []
    return [t for t in higher if may_extend_to(who, case, t)]


def may_mediate(who, case, data=None):
    """A mediation (SPEC §11) is started, ended and its agreement recorded performed by an
    intake clerk or the case's handlers, as the decision is notified."""
    return clerk_or_case_handler(who, case)


# -- other acts ------------------------------------------------------------------------------
def may_record_notice_proof(who, case):
    """The proof of a notice to the customer (SPEC §10) is recorded by whoever may notify the
    decision: an intake clerk or the case's handlers."""
    return clerk_or_case_handler(who, case)


def can_upload(who, case):
    access = Access.of(who)
    return is_clerk(access) or is_senior(access) or is_head_of(access, case) \
        or is_department_investigator(access, case) or is_team_member(access, case)


def can_see_personal_data(who, case):
    """Full phone / ID number. Clerks only on cases they registered; the department handling
    the case, senior managers and supervisors. Each view is logged by the caller."""
    access = Access.of(who)
    if access.has(SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR):
        return True
    if INTAKE_CLERK in access.roles and case.registered_by_id == access.user.pk:
        return True
    return is_head_of(access, case) or is_department_investigator(access, case) or is_team_member(access, case)
