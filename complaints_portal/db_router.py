"""Read replica routing: KPI, dashboard, report and export reads may go to the "replica"
database alias (DATABASE_REPLICA_URL, a streaming standby); everything else goes to the primary.

Reads reach the replica only when all of these hold:

- the code asked for it with ``replica_reads()`` (a context manager and decorator; the KPI and
  report views, the case-list export, the kpi_report command and the report tasks use it);
- the caller's browser made no write in the last REPLICA_PIN_SECONDS (ReplicaPinMiddleware),
  so a user sees their own changes at once;
- the primary connection is not inside a transaction: a read inside a write transaction must
  see that transaction's own rows and locks;
- the model is not one that decides who may see what (users, groups, sessions, tokens, lockouts,
  department memberships): access is always checked against the primary.

Without a "replica" alias the router answers None everywhere and Django behaves as if there were
no router. Writes and migrations go to the primary only.
"""
import contextlib
import functools
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import StreamingHttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
# Apps and models whose rows decide identity and access: always read on the primary, so that a
# revoked role, ended session or removed membership takes effect at once.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "authtoken", "axes", "contenttypes", "admin"})
PRIMARY_ONLY_MODELS = frozenset({"cases.DepartmentMembership"})

PIN_COOKIE = "portal_primary_pin"
PIN_SALT = "complaints_portal.db_router.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True)
class _State:
    replica: bool = False  # inside replica_reads() and the replica is usable
    pinned: bool = False  # the request follows a write of the same browser
    marked: bool = False  # inside replica_reads(), whatever it decided


_state = ContextVar("complaints_portal_db_routing", default=_State())  # noqa: B039 - frozen dataclass


def replica_configured():
    return REPLICA in settings.DATABASES


def _replica_available():
    """Connect to the replica now; if it is down, the block reads on the primary instead (a
    missing replica makes reports slower, not unavailable)."""
    try:
        connections[REPLICA].ensure_connection()
    except OperationalError:
        logger.warning("read replica unavailable; reading on the primary", exc_info=True)
        return False
    return True


def _wait_for_replay(timeout):
    """Wait until the replica has replayed everything the primary had written when called,
    at most ``timeout`` seconds. True when it has (reads then see every commit made before)."""
    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    if primary.vendor != "postgresql" or replica.vendor != "postgresql":
        return False
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return True
        if time.monotonic() >= deadline:
            logger.warning("read replica still behind %s after %ss; reading on the primary", target, timeout)
            return False
        time.sleep(0.1)


@contextlib.contextmanager
def _routing(state):
    previous = _state.get()
    _state.set(state)
    try:
        yield
    finally:
        # set, not reset(token): a streamed response may finish in another context.
        _state.set(previous)


class replica_reads(contextlib.ContextDecorator):  # noqa: N801 - used like a function
    """Allow the reads of this block (or decorated function) to go to the replica.

    ``caught_up=True`` (jobs and commands that store or print figures) first waits up to
    REPLICA_CATCH_UP_SECONDS for the replica to replay everything committed on the primary so
    far, and reads on the primary if it does not get there: the figures are then as fresh as a
    read on the primary at the start. Without a replica this does nothing.
    """

    def __init__(self, caught_up=False):
        self.caught_up = caught_up
        self._contexts = []

    def _recreate_cm(self):
        # A decorated function gets a fresh instance per call (threads share the decorator).
        return type(self)(self.caught_up)

    def __enter__(self):
        current = _state.get()
        if current.marked and (not self.caught_up or not current.replica):
            # A nested block keeps the outer decision: a job that fell back to the primary
            # must not read the lagging replica in a helper that marks its own reads.
            use = current.replica
        else:
            use = replica_configured() and not current.pinned and _replica_available()
            if use and self.caught_up:
                use = _wait_for_replay(settings.REPLICA_CATCH_UP_SECONDS)
        context = _routing(_State(replica=use, pinned=current.pinned, marked=True))
        context.__enter__()
        self._contexts.append(context)
        return self

    def __exit__(self, *exc):
        return self._contexts.pop().__exit__(*exc)


def replica_view(view):
    """View decorator: the view, its template rendering and a streamed body read via
    replica_reads() (a streamed export runs after the view has returned)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with replica_reads():
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _stream_with(_state.get(), response.streaming_content)
        return response

    return wrapper


def _stream_with(outer, content):
    # The pin decided at request time still holds while the body is produced.
    with _routing(outer), replica_reads():
        yield from content


@contextlib.contextmanager
def primary_pinned():
    """Every read of this block on the primary (the request follows the user's own write)."""
    with _routing(_State(replica=False, pinned=True, marked=False)):
        yield


def read_alias():
    """The alias the router would use for a replica-eligible read right now."""
    state = _state.get()
    if (
        state.replica
        and not state.pinned
        and replica_configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry; see the module docstring for the rules."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label in PRIMARY_ONLY_MODELS:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False
        return None


class ReplicaPinMiddleware:
    """After a successful write request (POST, PUT, PATCH, DELETE answered with 2xx/3xx), a
    signed, time-stamped cookie pins the browser's reads to the primary for REPLICA_PIN_SECONDS,
    so the user's next pages show what they just did even if the replica lags. Does nothing
    without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        seconds = settings.REPLICA_PIN_SECONDS
        pinned = False
        if request.COOKIES.get(PIN_COOKIE):
            try:
                request.get_signed_cookie(PIN_COOKIE, salt=PIN_SALT, max_age=seconds)
                pinned = True
            except (KeyError, signing.BadSignature):
                pinned = False
        if pinned:
            with primary_pinned():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400 and seconds > 0:
            response.set_signed_cookie(
                PIN_COOKIE, "1", salt=PIN_SALT, max_age=seconds, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

