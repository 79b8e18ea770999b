"""The portal's roles (SPEC §1) and what one user has of them for one request (``Access``).

Each role is a Django group created by a migration; department membership (investigator,
head) comes from cases.DepartmentMembership.
"""
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connections, router
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

INTAKE_CLERK = "intake_clerk"
INVESTIGATOR = "investigator"
DEPARTMENT_HEAD = "department_head"
SENIOR_MANAGER = "senior_manager"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

ALL_ROLES = (INTAKE_CLERK, INVESTIGATOR, DEPARTMENT_HEAD, SENIOR_MANAGER, SUPERVISOR, ADMINISTRATOR)
ROLE_LABELS = {
    INTAKE_CLERK: _("Intake clerk"),
    INVESTIGATOR: _("Investigator"),
    DEPARTMENT_HEAD: _("Department head"),
    SENIOR_MANAGER: _("Senior manager"),
    SUPERVISOR: _("Supervisor"),
    ADMINISTRATOR: _("Administrator"),
}


def role_labels(roles):
    """The names of ``roles`` in the active language, in the order of ALL_ROLES."""
    return [str(ROLE_LABELS[role]) for role in ALL_ROLES if role in roles]


# What every page and API call needs to know about the user, in one statement (four before):
# groups, department memberships, the case teams the user sits on now, and the number of unread
# notifications. Each branch tags its rows with a kind; the second column holds names, the
# third and fourth numbers (typed in the first branch: PostgreSQL would take NULLs for text).
ACCESS_SQL = (
    "SELECT 'g', g.{name}, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER) FROM {group} g INNER JOIN {through} ug ON ug.{through_group} = g.{group_pk} "
    "WHERE ug.{through_user} = %s "
    "UNION ALL SELECT 'm', m.{role}, m.{department}, NULL FROM {membership} m WHERE m.{member} = %s "
    "UNION ALL SELECT 't', NULL, t.{team_case}, t.{team_round} FROM {team} t "
    "WHERE t.{team_user} = %s AND t.{ended_at} IS NULL "
    "UNION ALL SELECT 'n', NULL, COUNT(*), NULL FROM {notification} n WHERE n.{recipient} = %s AND n.{read_at} IS NULL"
)


@dataclass(frozen=True)
class Access:
    """What the portal knows about one user, read once: their roles, department memberships,
    the case teams they sit on and their unread notifications.

    An explicit value handed along: pages take ``request.access`` (AccessMiddleware, read when
    the request first needs it); services, selectors and permissions take an Access or a user
    (``Access.of``), so tasks, commands and tests pass users and get a fresh read. A value never
    changes: a request that changes the user's teams or notifications and needs them afterwards
    reads a new one (``Access.load``)."""

    user: object
    roles: frozenset = frozenset()
    memberships: tuple = ()  # ((department id, membership role), ...)
    teams: tuple = ()  # ((case id, round), ...) of the active team rows
    unread: int = 0

    @classmethod
    def of(cls, who):
        """``who`` itself when it is an Access; the request's Access when ``who`` is the user of
        the request being served (code handed ``request.user``); else the access of the user
        ``who``, read now (one query)."""
        if isinstance(who, Access):
            return who
        current = _request_access.get()
        if current is not None and current.user is who:
            return current
        return cls.load(who)

    @classmethod
    def load(cls, user):
        """Read the user's access in one statement, fresh: a role or membership removed in the
        admin takes effect on the user's next request. Anonymous users have nothing."""
        if not getattr(user, "is_authenticated", False):
            return cls(user)
        alias = router.db_for_read(apps.get_model("cases", "DepartmentMembership"))
        with connections[alias].cursor() as cursor:
            cursor.execute(_access_sql(alias), [user.pk] * 4)
            rows = cursor.fetchall()
        roles = frozenset(name for kind, name, _n, _r in rows if kind == "g") & frozenset(ALL_ROLES)
        return cls(
            user,
            roles=roles | {ADMINISTRATOR} if user.is_superuser else roles,
            memberships=tuple((number, name) for kind, name, number, _r in rows if kind == "m"),
            teams=tuple((number, team_round) for kind, _name, number, team_round in rows if kind == "t"),
            unread=next((number for kind, _name, number, _r in rows if kind == "n"), 0),
        )

    def has(self, *roles):
        return not self.roles.isdisjoint(roles)

    def departments(self, role=None):
        """Ids of the user's departments (optionally those of one membership role)."""
        return frozenset(d for d, r in self.memberships if not role or r == role)

    @property
    def team_case_ids(self):
        """Ids of the cases whose active team the user sits on (a handful)."""
        return tuple(case_id for case_id, _round in self.teams)

    def on_team(self, case):
        """Member (or lead) of the case's active team of its current round."""
        return (case.pk, case.round) in self.teams


def has_role(who, *roles):
    """Whether ``who`` (an Access, or a user) has one of ``roles``."""
    return Access.of(who).has(*roles)


# The Access of the request being served, so that code handed the request's user instead of
# its Access gets the same value rather than a second read (Access.of). Context-local (each
# thread or task has its own), set and reset by AccessMiddleware around the view.
_request_access = ContextVar("request_access", default=None)


class AccessMiddleware:
    """Sets ``request.access``: the user's Access, read on first use (after DRF has
    authenticated a token, which sets ``request.user`` on the underlying request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = SimpleLazyObject(lambda: Access.load(request.user))
        token = _request_access.set(request.access)
        try:
            return self.get_response(request)
        finally:
            _request_access.reset(token)


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
        "team_round": column(team, "round"), "ended_at": column(team, "ended_at"),
        "notification": qn(notification._meta.db_table), "recipient": column(notification, "recipient"),
        "read_at": column(notification, "read_at"),
    }
    # Only table and column names from the models' metadata are interpolated; the user id is a
    # parameter.
    return ACCESS_SQL.format(**names)  # noqa: S608  # nosec B608 - identifiers only, see above
