"""The portal's roles (SPEC §1). Each is a Django group created by a migration; department
membership (investigator, head) comes from cases.DepartmentMembership."""

INTAKE_CLERK = "intake_clerk"
INVESTIGATOR = "investigator"
DEPARTMENT_HEAD = "department_head"
SENIOR_MANAGER = "senior_manager"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

ALL_ROLES = (INTAKE_CLERK, INVESTIGATOR, DEPARTMENT_HEAD, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR)


def user_roles(user):
    """Set of role names of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(ALL_ROLES)
        if user.is_superuser:
            cached = cached | {ADMINISTRATOR}
        user._portal_roles = cached
    return cached


def has_role(user, *roles):
    return bool(user_roles(user) & set(roles))
