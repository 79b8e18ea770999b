"""Who is told about a case: the staff a notification goes to (the sweep's reminders and
escalations, the notices of the actions in cases.actions). Active users only, each once."""
from django.contrib.auth import get_user_model
from django.db.models import Q

from complaints_portal.common import roles

from .models import DepartmentMembership, TeamMember
from .models.deadlines import Stage


def _active_users(qs):
    return list(qs.filter(is_active=True).distinct().order_by("pk"))


def users_with_role(role):
    User = get_user_model()
    qs = User.objects.filter(groups__name=role)
    if role == roles.ADMINISTRATOR:
        qs = User.objects.filter(Q(groups__name=role) | Q(is_superuser=True))
    return _active_users(qs)


def department_users(case, role):
    if not case.department_id:
        return []
    User = get_user_model()
    return _active_users(User.objects.filter(memberships__department_id=case.department_id, memberships__role=role))


def department_heads(case):
    return department_users(case, DepartmentMembership.Role.HEAD)


def senior_managers(case):
    return users_with_role(roles.SENIOR_MANAGER)


def plan_approvers(case):
    """A review's plan goes to the senior managers, a first round's to the department's heads."""
    return senior_managers(case) if case.round > 1 else department_heads(case)


def assignees(case, stage):
    """Who must act for `stage`: acknowledge/dispatch → the registering clerk (else every
    intake clerk); form_team/approval → the department's heads; report/plan/decision and the
    regulatory deadlines → the round's team lead, else the department's investigators."""
    if stage in (Stage.ACKNOWLEDGE, Stage.DISPATCH) or not case.department_id:
        if case.registered_by_id and case.registered_by.is_active:
            return [case.registered_by]
        return users_with_role(roles.INTAKE_CLERK)
    if stage in (Stage.FORM_TEAM, Stage.APPROVAL):
        return department_heads(case)
    lead = (
        TeamMember.objects.filter(case=case, round=case.round, role=TeamMember.Role.LEAD, ended_at__isnull=True)
        .select_related("user").first()
    )
    if lead and lead.user.is_active:
        return [lead.user]
    return department_users(case, DepartmentMembership.Role.INVESTIGATOR) or department_heads(case)
