"""The one read the three packages share: whose figures a user may see on the assessment pages."""
from cases.models import Department, DepartmentMembership
from cases.permissions import department_ids
from complaints_portal.common.errors import PermissionDenied
from complaints_portal.common.roles import (
    ADMINISTRATOR,
    DEPARTMENT_HEAD,
    SENIOR_MANAGER,
    SUPERVISOR,
    has_role,
)

# Who sees the whole company: the KPI dashboard and the supervision pages are for the supervisor
# and senior managers; the results pages (bonus, promotion, training) for the supervisor and the
# administrator, who exports for HR.
KPI_COMPANY_ROLES = (SUPERVISOR, SENIOR_MANAGER)
RESULTS_COMPANY_ROLES = (SUPERVISOR, ADMINISTRATOR)


def departments_visible_to(user, company_roles=KPI_COMPANY_ROLES):
    """None (every department) for a user in one of ``company_roles``; else the departments
    the user heads. Raises PermissionDenied for anyone else (pages answer 403)."""
    if has_role(user, *company_roles):
        return None
    if has_role(user, DEPARTMENT_HEAD):
        ids = department_ids(user, DepartmentMembership.Role.HEAD)
        if ids:
            return Department.objects.filter(id__in=ids)
    raise PermissionDenied()
