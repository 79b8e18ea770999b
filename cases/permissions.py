"""Who may do what on a case (SPEC §3). Predicates only, called by the services, so pages, API
and tasks follow one rule. ``who`` is the request's Access or a user. Department staff act on
their departments' cases; a review (round 2) is led by a senior manager and its team members
may come from other departments."""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from complaints_portal.common.roles import (
    ADMINISTRATOR,
    DEPARTMENT_HEAD,
    INTAKE_CLERK,
    INVESTIGATOR,
    SENIOR_MANAGER,
    SUPERVISOR,
    Access,
)

from .models import DepartmentMembership, TeamMember
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


def may_set_flags(who, case, data=None):
    """A customer's flags (SPEC §12): the clerks, the case's department head, senior managers and
    supervisors."""
    access = Access.of(who)
    return access.has(INTAKE_CLERK, SENIOR_MANAGER, SUPERVISOR) or is_head_of(access, case)


def may_mark_major(who, case, data=None):
    """A group's details and the marking of a major complaint (SPEC §12): the clerks, the case's
    department head, senior managers and supervisors, as a customer's flags."""
    return may_set_flags(who, case, data)


def may_report_emergency(who, case, data=None):
    """A major complaint's emergency report: the case's department head, senior managers and
    supervisors (those who answer for it to the regulator; a clerk marks, but does not report)."""
    access = Access.of(who)
    return access.has(SENIOR_MANAGER, SUPERVISOR) or is_head_of(access, case)


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
    """Every personal field of the case (phone, ID number, email, the sender's address of its
    mail): the department handling the case, senior managers, supervisors, administrators, and
    the clerk who registered it. Each reveal of a masked field is logged by the caller."""
    access = Access.of(who)
    if access.has(SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR):
        return True
    if INTAKE_CLERK in access.roles and case.registered_by_id == access.user.pk:
        return True
    return is_head_of(access, case) or is_department_investigator(access, case) or is_team_member(access, case)


def can_reveal(who, case, field):
    """Whether ``who`` may reveal the masked ``field`` ("customer_phone", "customer_id_number")
    of the case (SPEC §1). Any intake clerk may reveal the phone of an open case, whoever
    registered it (the public form, another clerk): contacting the customer is the clerk's
    first deadline. Everything else follows can_see_personal_data."""
    if field == "customer_phone" and case.is_open and is_clerk(who):
        return True
    return can_see_personal_data(who, case)


# -- who holds a `may` predicate, in words: the case page's "waiting for …" -------------------
def _active(qs):
    return [u.get_full_name() or u.get_username() for u in qs.filter(is_active=True).order_by("username")[:5]]


def _heads(case):
    return _active(get_user_model().objects.filter(memberships__department_id=case.department_id,
                                                   memberships__role=HEAD))


def _team(case):
    ids = TeamMember.objects.filter(case=case, round=case.round, ended_at__isnull=True).values("user_id")
    return _active(get_user_model().objects.filter(pk__in=ids))


def _head_or_senior(case):
    if case.round == 1 and case.department_id:
        return _("the head of %(department)s") % {"department": case.department.name}, _heads(case)
    return _("a senior manager"), []


def _case_team(case):
    if has_active_team(case):
        return _("the investigation team"), _team(case)
    return _head_or_senior(case)


# (case) -> (who in words, [names]); a predicate without an entry reads "someone else".
HOLDERS = {
    is_clerk: lambda case: (_("an intake clerk"), []),
    is_supervisor: lambda case: (_("a supervisor"), []),
    clerk_or_supervisor: lambda case: (_("an intake clerk or a supervisor"), []),
    senior_or_first_round_head: _head_or_senior,
    handles_case: _case_team,
    clerk_or_case_handler: lambda case: (_("an intake clerk or %(team)s") % {"team": _case_team(case)[0]},
                                         _case_team(case)[1]),
}


def holders(predicate, case):
    """Who may do what ``predicate`` allows on ``case``: (who in words, [up to 5 names])."""
    describe = HOLDERS.get(predicate)
    return describe(case) if describe else (_("someone else"), [])
