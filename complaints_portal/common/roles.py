"""The portal's roles (SPEC §1). Each is a Django group created by a migration; department
membership (investigator, head) comes from cases.DepartmentMembership."""
from django.apps import apps
from django.db import connections, router

INTAKE_CLERK = "intake_clerk"
INVESTIGATOR = "investigator"
DEPARTMENT_HEAD = "department_head"
SENIOR_MANAGER = "senior_manager"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

ALL_ROLES = (INTAKE_CLERK, INVESTIGATOR, DEPARTMENT_HEAD, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR)


# The user's groups and memberships in one statement (see _load_access).
ACCESS_SQL = (
    "SELECT g.{name}, NULL, NULL FROM {group} g INNER JOIN {through} ug ON ug.{through_group} = g.{group_pk} "
    "WHERE ug.{through_user} = %s "
    "UNION ALL SELECT NULL, m.{department}, m.{role} FROM {membership} m WHERE m.{member} = %s"
)


def user_roles(user):
    """Set of role names of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = _load_access(user)
    return cached


def user_memberships(user):
    """The user's department memberships as ((department id, membership role), ...), read with
    the roles in one query and cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return ()
    if getattr(user, "_portal_memberships", None) is None:
        _load_access(user)
    return user._portal_memberships


def _load_access(user):
    """Read the user's groups and department memberships in one query (two before: almost every
    page and API call needs both), fresh on every request, so a role or membership removed in
    the admin takes effect on the user's next request. Sets ``_portal_roles`` and
    ``_portal_memberships`` on the user object and returns the roles.

    The memberships live in the cases app; the table is looked up in the app registry so that
    this module imports nothing from it."""
    membership = apps.get_model("cases", "DepartmentMembership")
    through = user._meta.get_field("groups").remote_field.through
    group = through._meta.get_field("group").related_model
    db = connections[router.db_for_read(membership)]
    qn = db.ops.quote_name
    # Only table and column names from the models' metadata are interpolated; the user id is a
    # parameter.
    t = {
        "group": qn(group._meta.db_table), "name": qn(group._meta.get_field("name").column),
        "group_pk": qn(group._meta.pk.column), "through": qn(through._meta.db_table),
        "through_group": qn(through._meta.get_field("group").column),
        "through_user": qn(through._meta.get_field("user").column),
        "membership": qn(membership._meta.db_table), "department": qn(membership._meta.get_field("department").column),
        "role": qn(membership._meta.get_field("role").column), "member": qn(membership._meta.get_field("user").column),
    }
    sql = ACCESS_SQL.format(**t)  # noqa: S608  # nosec B608 - identifiers only, see above
    with db.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        rows = cursor.fetchall()
    roles = frozenset(name for name, _d, _r in rows if name is not None) & frozenset(ALL_ROLES)
    if user.is_superuser:
        roles = roles | {ADMINISTRATOR}
    user._portal_roles = roles
    user._portal_memberships = tuple((department, role) for name, department, role in rows if name is None)
    return roles


def has_role(user, *roles):
    return bool(user_roles(user) & set(roles))
