"""Directory sign-in settings (SPEC §14): LDAP / Active Directory through django-auth-ldap,
read when LDAP_SERVER_URI is set. Pure parsing for complaints_portal/settings/base.py; a bad
value raises ImproperlyConfigured naming its variable.

The group mappings (one entry per directory group, entries separated by ";"; the group's DN
ends at its last "="):

    LDAP_GROUP_ROLES="cn=clerks,ou=groups,dc=example,dc=com=intake_clerk;cn=qa,ou=groups,dc=example,dc=com=supervisor+senior_manager"
    LDAP_GROUP_DEPARTMENTS="cn=sales,ou=groups,dc=example,dc=com=SALES:investigator;cn=sales-heads,ou=groups,dc=example,dc=com=SALES:head"

A department entry also grants the role of its membership (investigator or department head).
"""
from django.core.exceptions import ImproperlyConfigured

from .roles import ALL_ROLES, DEPARTMENT_HEAD, INVESTIGATOR

# Membership role in a mapping -> the portal role it carries. The membership values are those
# of cases.DepartmentMembership.Role.
MEMBERSHIP_ROLES = {"investigator": INVESTIGATOR, "head": DEPARTMENT_HEAD}
GROUP_TYPES = {
    "groupOfNames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "activeDirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
    "posixGroup": ("PosixGroupType", "(objectClass=posixGroup)"),
}
# The attributes copied into the portal's user at each sign-in (inetOrgPerson and AD alike).
USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}


def _bad(name, reason, expected):
    raise ImproperlyConfigured(f"Environment variable {name} has an invalid value: {reason}. Expected {expected}")


def normalise_dn(dn):
    """The DN in the form django-auth-ldap reports group DNs in (no spaces, lower case); None
    when it is not a DN."""
    import ldap.dn

    try:
        parsed = ldap.dn.str2dn(dn.strip())
    except ldap.DECODING_ERROR:
        return None
    return ldap.dn.dn2str(parsed).lower() if parsed else None


def _entries(value, name, expected):
    """[(group DN, [targets])] of a mapping; ImproperlyConfigured naming ``name``."""
    entries = []
    for item in filter(None, (part.strip() for part in (value or "").split(";"))):
        dn, sep, targets = item.rpartition("=")
        normal = normalise_dn(dn) if sep else None
        if not normal or not targets.strip():
            _bad(name, f"“{item}”", expected)
        entries.append((normal, [t.strip() for t in targets.split("+")]))
    return entries


def group_roles(value, name="LDAP_GROUP_ROLES"):
    """{normalised group DN: frozenset of portal roles}."""
    expected = f"GROUP_DN=ROLE[+ROLE…][;GROUP_DN=ROLE…] with roles from {', '.join(ALL_ROLES)}"
    mapping = {}
    for dn, roles in _entries(value, name, expected):
        unknown = [r for r in roles if r not in ALL_ROLES]
        if unknown:
            _bad(name, f"unknown role {unknown[0]!r} for {dn}", expected)
        mapping[dn] = mapping.get(dn, frozenset()) | frozenset(roles)
    return mapping


def group_departments(value, name="LDAP_GROUP_DEPARTMENTS"):
    """{normalised group DN: {department code: membership role}}."""
    expected = "GROUP_DN=CODE:ROLE[+CODE:ROLE…][;GROUP_DN=…] with ROLE investigator or head"
    mapping = {}
    for dn, targets in _entries(value, name, expected):
        for target in targets:
            code, sep, role = target.partition(":")
            if not sep or not code.strip() or role.strip() not in MEMBERSHIP_ROLES:
                _bad(name, f"“{target}” for {dn}", expected)
            mapping.setdefault(dn, {})[code.strip()] = role.strip()
    return mapping


def directory_settings(env, env_value, server_uri):
    """The AUTH_LDAP_* settings of django-auth-ldap and the portal's group mappings."""
    try:
        import ldap
        from django_auth_ldap import config
    except ImportError as exc:
        raise ImproperlyConfigured(
            "Environment variable LDAP_SERVER_URI is set but django-auth-ldap is not installed: "
            "pip install -r requirements-ldap.lock (it builds against libldap2-dev and libsasl2-dev)"
        ) from exc
    if not server_uri.startswith(("ldap://", "ldaps://")):
        _bad("LDAP_SERVER_URI", server_uri, "ldap://HOST[:PORT] or ldaps://HOST[:PORT] (several separated by spaces)")
    start_tls = env_value("LDAP_START_TLS", bool, False)
    user_base = env.str("LDAP_USER_SEARCH_BASE", default="")
    if not normalise_dn(user_base):
        _bad("LDAP_USER_SEARCH_BASE", repr(user_base), "the DN under which staff accounts are, e.g. ou=people,dc=example,dc=com")
    user_filter = env.str("LDAP_USER_SEARCH_FILTER", default="(uid=%(user)s)")
    if "%(user)s" not in user_filter or not (user_filter.startswith("(") and user_filter.endswith(")")):
        _bad("LDAP_USER_SEARCH_FILTER", repr(user_filter),
             "an LDAP filter with %(user)s, e.g. (uid=%(user)s) or (sAMAccountName=%(user)s)")
    group_type = env.str("LDAP_GROUP_TYPE", default="groupOfNames")
    if group_type not in GROUP_TYPES:
        _bad("LDAP_GROUP_TYPE", repr(group_type), f"one of {', '.join(GROUP_TYPES)}")
    group_class, group_filter = GROUP_TYPES[group_type]
    group_base = env.str("LDAP_GROUP_SEARCH_BASE", default="") or user_base
    if not normalise_dn(group_base):
        _bad("LDAP_GROUP_SEARCH_BASE", repr(group_base), "the DN under which the mapped groups are")
    ca_file = env.str("LDAP_CA_FILE", default="")
    roles = group_roles(env.str("LDAP_GROUP_ROLES", default=""))
    departments = group_departments(env.str("LDAP_GROUP_DEPARTMENTS", default=""))
    if not roles and not departments:
        raise ImproperlyConfigured(
            "Environment variables LDAP_GROUP_ROLES and LDAP_GROUP_DEPARTMENTS are both empty: with "
            "LDAP_SERVER_URI set, at least one directory group must map to a portal role or department"
        )
    options = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: env_value("LDAP_TIMEOUT_SECONDS", int, 5)}
    if ca_file:
        from .channel_settings import existing_file

        options[ldap.OPT_X_TLS_CACERTFILE] = existing_file(ca_file, "LDAP_CA_FILE")
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above to this connection
    return {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": env.str("LDAP_BIND_DN", default=""),
        "AUTH_LDAP_BIND_PASSWORD": env.str("LDAP_BIND_PASSWORD", default=""),
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE, group_filter),
        "AUTH_LDAP_GROUP_TYPE": getattr(config, group_class)(),
        "AUTH_LDAP_USER_ATTR_MAP": USER_ATTR_MAP,
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # Groups are read fresh at every sign-in: a change in the directory counts at the next one.
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "PORTAL_LDAP_GROUP_ROLES": roles,
        "PORTAL_LDAP_GROUP_DEPARTMENTS": departments,
    }
