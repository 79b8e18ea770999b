"""The portal's roles (SPEC §1). Each is a Django group created by a migration; department
membership (investigator, head) comes from cases.DepartmentMembership."""
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connections, router

INTAKE_CLERK = "intake_clerk"
INVESTIGATOR = "investigator"
DEPARTMENT_HEAD = "department_head"
SENIOR_MANAGER = "senior_manager"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

ALL_ROLES = (INTAKE_CLERK, INVESTIGATOR, DEPARTMENT_HEAD, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR)


# What every page and API call needs to know about the user, in one statement (see
# _load_access): groups, department memberships, the cases whose review team the user sits on,
# and the number of unread notifications. Each branch tags its rows with a kind; the second
# column holds names, the third numbers.
ACCESS_SQL = (
    "SELECT 'g', g.{name}, NULL FROM {group} g INNER JOIN {through} ug ON ug.{through_group} = g.{group_pk} "
    "WHERE ug.{through_user} = %s "
    "UNION ALL SELECT 'm', m.{role}, m.{department} FROM {membership} m WHERE m.{member} = %s "
    "UNION ALL SELECT 't', NULL, t.{team_case} FROM {team} t WHERE t.{team_user} = %s AND t.{ended_at} IS NULL "
    "UNION ALL SELECT 'n', NULL, COUNT(*) FROM {notification} n WHERE n.{recipient} = %s AND n.{read_at} IS NULL"
)


def user_roles(user):
    """Set of role names of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = _load_access(user)
    return cached


def _access(user, attribute, anonymous):
    if not getattr(user, "is_authenticated", False):
        return anonymous
    if getattr(user, attribute, None) is None:
        _load_access(user)
    return getattr(user, attribute)


def user_memberships(user):
    """The user's department memberships as ((department id, membership role), ...), read with
    the roles in one query and cached on the user object for the request."""
    return _access(user, "_portal_memberships", ())


def user_review_case_ids(user):
    """Ids of the cases whose review team the user sits on (a handful), read with the roles in
    one query and cached on the user object for the request: a request that changes the
    user's teams must not rely on it afterwards."""
    return _access(user, "_portal_review_cases", ())


def unread_notification_count(user):
    """The user's unread notifications (the bell), read with the roles in one query; a request
    that marks notifications read clears it (cases.notifications.mark_read)."""
    return _access(user, "_portal_unread", 0)


def forget_unread_notification_count(user):
    """The next unread_notification_count(user) in this request reads the database again."""
    user._portal_unread = None


@lru_cache(maxsize=4)
def _access_sql(alias):
    """ACCESS_SQL with the table and column names of the models and the database ``alias``.

    The other tables live in the cases app; they are looked up in the app registry so that this
    module imports nothing from it."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    membership = apps.get_model("cases", "DepartmentMembership")
    team = apps.get_model("cases", "TeamMember")
    notification = apps.get_model("cases", "Notification")
    through = user_model._meta.get_field("groups").remote_field.through
    group = through._meta.get_field("group").related_model
    qn = connections[alias].ops.quote_name

    def column(model, name):
        return qn(model._meta.get_field(name).column)

    names = {
        "group": qn(group._meta.db_table), "name": column(group, "name"), "group_pk": qn(group._meta.pk.column),
        "through": qn(through._meta.db_table), "through_group": column(through, "group"),
        "through_user": column(through, "user"),
        "membership": qn(membership._meta.db_table), "department": column(membership, "department"),
        "role": column(membership, "role"), "member": column(membership, "user"),
        "team": qn(team._meta.db_table), "team_case": column(team, "case"), "team_user": column(team, "user"),
        "ended_at": column(team, "ended_at"),
        "notification": qn(notification._meta.db_table), "recipient": column(notification, "recipient"),
        "read_at": column(notification, "read_at"),
    }
    # Only table and column names from the models' metadata are interpolated; the user id is a
    # parameter.
    return ACCESS_SQL.format(**names)  # noqa: S608  # nosec B608 - identifiers only, see above


def _load_access(user):
    """Read the user's groups, department memberships, review teams and unread notifications in
    one query (four before: almost every page needs all of them), fresh on every request, so a
    role or membership removed in the admin takes effect on the user's next request. Sets
    ``_portal_roles``, ``_portal_memberships``, ``_portal_review_cases`` and ``_portal_unread``
    on the user object and returns the roles."""
    alias = router.db_for_read(apps.get_model("cases", "DepartmentMembership"))
    with connections[alias].cursor() as cursor:
        cursor.execute(_access_sql(alias), [user.pk] * 4)
        rows = cursor.fetchall()
    roles = frozenset(name for kind, name, _n in rows if kind == "g") & frozenset(ALL_ROLES)
    if user.is_superuser:
        roles = roles | {ADMINISTRATOR}
    user._portal_roles = roles
    user._portal_memberships = tuple((number, name) for kind, name, number in rows if kind == "m")
    user._portal_review_cases = tuple(number for kind, _name, number in rows if kind == "t")
    user._portal_unread = next((number for kind, _name, number in rows if kind == "n"), 0)
    return roles


def has_role(user, *roles):
    return bool(user_roles(user) & set(roles))
