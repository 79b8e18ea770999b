"""DRF's token authentication with its query compiled once per process.

Every API request reads its token with the user (``select_related``); building that ORM query
was a tenth of an intake POST's CPU (bench/intake_profile.py, 2026-12-07). As the KPI read
model's statement (assessment.kpi.readmodel._derived_statement), Django compiles the same
queryset once, with a marker where the key goes, and each request runs the kept SQL and builds
the two instances from the row (``Model.from_db``). A key not found, an inactive user or a
statement not of the expected shape go through DRF's own code, errors included.
"""
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from rest_framework import authentication
from rest_framework.authtoken.models import Token

_KEY = "\x00the token's key\x00"  # the marker, found once among the compiled parameters


@lru_cache(maxsize=4)
def _token_statement(using):
    """(SQL, token columns, user columns) of the token with its user, or None."""
    user_model = get_user_model()
    query = Token.objects.using(using).select_related("user").filter(key=_KEY).query
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    fields = [column.target for column, _sql, _alias in compiler.select]
    token_fields, user_fields = list(Token._meta.concrete_fields), list(user_model._meta.concrete_fields)
    if list(params) != [_KEY] or fields != token_fields + user_fields:
        return None
    return sql, [f.attname for f in token_fields], [f.attname for f in user_fields]


def token_with_user(key):
    """The Token of ``key`` with its user loaded, or None (not found, or no kept statement)."""
    using = router.db_for_read(Token)
    kept = _token_statement(using)
    if kept is None:
        return None
    sql, token_names, user_names = kept
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    token = Token.from_db(using, token_names, row[:len(token_names)])
    user = get_user_model().from_db(using, user_names, row[len(token_names):])
    Token._meta.get_field("user").set_cached_value(token, user)
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """rest_framework's TokenAuthentication reading the token by the kept statement."""

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's answer: its errors, in its words
        return token.user, token
