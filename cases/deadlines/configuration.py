"""The deadline configuration (calendar, policies, stage rules) and its one change mechanism:
every save or delete (no bulk writes: each leaves history) sets a new version token in its
transaction and schedules one recompute of the open cases after the commit. What intake and
the case page compute all day is memoised per process under the token (``memo``)."""
from __future__ import annotations

import threading
import uuid

from django.db import connections, router
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from complaints_portal.common.queueing import enqueue_on_commit

from ..calendar import load_calendar
from ..models import CalendarDay, CalendarYear, ConfigurationVersion, DeadlinePolicy, StageRule
from .compute import clock_inputs, compute_deadlines, policy_in_force

# Distinct (policy, D0, category, channel, language) kept; a day of intake uses a few dozen.
MAX_COMPUTED = 2048
VERSION_ROW = 1


# -- changes -------------------------------------------------------------------------------
def configuration_changed(reason, policy_id=None, *, recompute=True):
    """Record a change of the configuration in the current transaction: a new version token, and
    (``recompute``) one recompute of the open cases (of one policy version) after the commit."""
    token = uuid.uuid4()
    if not ConfigurationVersion.objects.filter(pk=VERSION_ROW).update(token=token):
        ConfigurationVersion.objects.update_or_create(pk=VERSION_ROW, defaults={"token": token})
    if recompute:
        enqueue_on_commit("cases.tasks.recompute_deadlines", reason, policy_id, once=True)


# A fixture being loaded (raw) changes the configuration too, but recomputes nothing.
def _calendar_saved(sender, instance, raw=False, **kwargs):
    configuration_changed("calendar", recompute=not raw)


def _policy_saved(sender, instance, raw=False, **kwargs):
    policy_id = instance.pk if isinstance(instance, DeadlinePolicy) else instance.policy_id
    configuration_changed("policy", policy_id, recompute=not raw)


for _model, _receiver in ((CalendarDay, _calendar_saved), (CalendarYear, _calendar_saved),
                          (DeadlinePolicy, _policy_saved), (StageRule, _policy_saved)):
    post_save.connect(_receiver, sender=_model, dispatch_uid=f"deadline-configuration-saved-{_model.__name__}")
    post_delete.connect(_receiver, sender=_model, dispatch_uid=f"deadline-configuration-deleted-{_model.__name__}")


def calendar_day_save(day, kind, name, source):
    """Create or update one calendar exception, through the model (history, version, recompute);
    returns "created", "updated" or "same" (then nothing is written)."""
    row = CalendarDay.objects.filter(date=day).first()
    if row is None:
        CalendarDay.objects.create(date=day, kind=kind, name=name, source=source)
        return "created"
    if (row.kind, row.name) == (kind, name):
        return "same"
    row.kind, row.name, row.source = kind, name, source
    row.save()
    return "updated"


def token_sql(alias):
    """(SQL, params) of a scalar subquery giving the version token (NULL where the row is
    missing), for a statement that reads other things too (the case page's sections query)."""
    table = connections[alias].ops.quote_name(ConfigurationVersion._meta.db_table)
    return f"(SELECT token FROM {table} WHERE id = %s)", [VERSION_ROW]  # noqa: S608  # nosec B608 - name from _meta


def current_token():
    """The configuration's version token (None where the row is missing: an emptied test
    database; nothing is memoised then)."""
    alias = router.db_for_read(ConfigurationVersion)
    sql, params = token_sql(alias)
    with connections[alias].cursor() as cursor:
        # Plain SQL: it runs on every intake, and compiling the ORM query cost more.
        cursor.execute(f"SELECT {sql}", params)
        row = cursor.fetchone()
    return row[0] if row else None


def policy_for(d0):
    """The deadline policy version in force on D0 (from the memo when there is one)."""
    current = memo()
    policies = current.policies if current is not None else list(DeadlinePolicy.objects.order_by("-version"))
    return policy_in_force(policies, d0)


# -- the memo ------------------------------------------------------------------------------
class Memo:
    """The configuration as of one version token. Immutable once shared, except the dicts of
    results, which only gain entries (and are cleared, never half-updated, when full)."""

    def __init__(self, token):
        self.token = token
        self.calendar = load_calendar()
        self.policies = list(DeadlinePolicy.objects.order_by("-version"))  # newest first
        self.rules = {}  # compute_deadlines' stage-rule cache: (policy id, tier) -> rules
        self.computed = {}
        self.explained = {}  # deadlines_for_case: the case page's recomputation
        self.loaded = {}  # value(): further configuration other apps read at intake

    def value(self, name, load):
        """Configuration another app keeps (e.g. the organised-complaint keywords), read with
        ``load()`` once per token; its model's saves and deletes call configuration_changed()."""
        if name not in self.loaded:
            self.loaded[name] = load()
        return self.loaded[name]

    def policy_for(self, d0):
        return policy_in_force(self.policies, d0)

    def deadlines_for_new_case(self, case):
        """compute_deadlines(case) of a case being registered (no pk, round 1, not legacy: no
        extension, pause or dispute can apply), memoised per policy, D0, scope and language."""
        if case.pk is not None or case.round != 1 or case.is_legacy:
            raise ValueError("only the deadlines of a case being registered are memoised")
        key = (case.deadline_policy_id, case.clock_start, case.category, case.channel, get_language())
        computed = self.computed.get(key)
        if computed is None:
            computed = compute_deadlines(case, self.calendar, _rules_cache=self.rules)
            if len(self.computed) >= MAX_COMPUTED:
                self.computed.clear()
            self.computed[key] = computed
        return computed

    def deadlines_for_case(self, case, extensions, pauses, today=None):
        """compute_deadlines(case) of any case given all its Extension and Pause rows, memoised per
        everything the computation reads besides this memo's configuration."""
        inputs = clock_inputs(case, today, extensions=extensions, pauses=pauses)
        key = (case.deadline_policy_id, case.clock_start, case.category, case.channel, *inputs, get_language())
        computed = self.explained.get(key)
        if computed is None:
            policy = next((p for p in self.policies if p.pk == case.deadline_policy_id), None)
            computed = compute_deadlines(case, self.calendar, today, self.rules, policy=policy, inputs=inputs)
            if len(self.explained) >= MAX_COMPUTED:
                self.explained.clear()
            self.explained[key] = computed
        return computed


class _Current:
    """The process's one Memo, swapped whole under a lock when the token changes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.memo = None

    def get(self, token=None):
        alias = router.db_for_read(ConfigurationVersion)
        if connections[alias].in_atomic_block:
            return None
        # Read before the inputs: a change committed in between makes the next call rebuild.
        token = current_token() if token is None else token
        if token is None:
            return None
        current = self.memo
        if current is not None and current.token == token:
            return current
        with self.lock:
            if self.memo is None or self.memo.token != token:
                self.memo = Memo(token)
            return self.memo


_current = _Current()


def memo(token=None):
    """The Memo of the configuration as committed now (one query), or None inside a transaction.
    ``token``: the version token, read by the caller with token_sql() in a statement of its own
    reads (then no query here)."""
    return _current.get(token)
