"""Staff sign-in through the company directory (SPEC §14), on django-auth-ldap.

At every sign-in the user's directory groups are read afresh and decide, through the mappings
LDAP_GROUP_ROLES and LDAP_GROUP_DEPARTMENTS (complaints_portal/common/directory_settings.py),
the user's portal roles (the role groups of roles.py) and department memberships: a group the
user left takes its role or membership away at the next sign-in. A directory account that is in
no mapped group is refused (its roles are taken away first). Other Django groups, and roles of
accounts that sign in locally, are left alone.

The backend sits between axes and ModelBackend: a wrong directory password is a failed login
that axes counts, and local accounts (the embedded default's demo users, a break-glass admin)
keep signing in with their local password.
"""
import logging

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend

from .directory_settings import MEMBERSHIP_ROLES, normalise_dn
from .roles import ADMINISTRATOR, ALL_ROLES, SUPERVISOR

logger = logging.getLogger(__name__)

# Roles whose users open the Django admin (as the demo data sets them up).
ADMIN_SITE_ROLES = {ADMINISTRATOR, SUPERVISOR}
# When two mapped groups give one department, the stronger membership wins.
MEMBERSHIP_RANK = {"investigator": 1, "head": 2}


class DirectoryBackend(LDAPBackend):
    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        roles, departments = mapped_access(ldap_user.group_dns)
        directory_access_sync(user, roles, departments)
        if not roles:
            logger.info("Directory sign-in refused: the account is in no mapped group.")
            return None
        return user


def mapped_access(group_dns):
    """(portal roles, {department code: membership role}) that the groups ``group_dns`` give."""
    role_map = settings.PORTAL_LDAP_GROUP_ROLES
    department_map = settings.PORTAL_LDAP_GROUP_DEPARTMENTS
    roles, departments = set(), {}
    for dn in filter(None, (normalise_dn(dn) for dn in group_dns)):
        roles |= role_map.get(dn, frozenset())
        for code, membership in department_map.get(dn, {}).items():
            roles.add(MEMBERSHIP_ROLES[membership])
            if MEMBERSHIP_RANK[membership] > MEMBERSHIP_RANK.get(departments.get(code), 0):
                departments[code] = membership
    return roles, departments


def directory_access_sync(user, roles, departments):
    """Make the user's portal roles exactly ``roles`` and their department memberships exactly
    ``departments`` ({code: membership role}), in one transaction.

    Memberships are saved and deleted one by one so that each change is in their history. A
    department code the portal does not know is logged and skipped (the mapping names a
    department not created yet)."""
    Department = apps.get_model("cases", "Department")
    Membership = apps.get_model("cases", "DepartmentMembership")
    with transaction.atomic():
        groups = {group.name: group for group in Group.objects.filter(name__in=ALL_ROLES)}
        current = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user.groups.remove(*(groups[name] for name in current - roles if name in groups))
        user.groups.add(*(groups[name] for name in roles - current if name in groups))
        if not user.is_superuser and user.is_staff != bool(roles & ADMIN_SITE_ROLES):
            user.is_staff = bool(roles & ADMIN_SITE_ROLES)
            user.save(update_fields=["is_staff"])

        known = {d.code: d for d in Department.objects.filter(code__in=departments)}
        for code in sorted(set(departments) - set(known)):
            logger.warning("Directory mapping names department %s, which does not exist; skipped.", code)
        for membership in Membership.objects.filter(user=user).select_related("department"):
            wanted = departments.get(membership.department.code) if membership.department.code in known else None
            if wanted is None:
                membership.delete()
            elif membership.role != wanted:
                membership.role = wanted
                membership.save(update_fields=["role", "updated_at"])
            known.pop(membership.department.code, None)
        for code, department in known.items():
            Membership.objects.create(user=user, department=department, role=departments[code])
