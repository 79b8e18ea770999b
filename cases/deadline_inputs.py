"""What intake reads and computes the same way all day, kept per process between requests: the
working-day calendar, the deadline policy versions, the stage rules, and the deadlines of a new
case for each (policy, D0, category, channel, language) — about 2 ms of CPU and four queries of
every registration otherwise.

Valid while the calendar and the deadline configuration stay as they are. On PostgreSQL,
statement triggers on the four tables they come from (calendar days, covered years, policies,
stage rules) append a row to ``cases_deadlineinputchange`` for every statement that changes
them, whatever issued it: the admin, the calendar commands, ``queryset.update()``, raw SQL,
TRUNCATE (migration 0006). One query reads how many rows there are (and the last id); when that
differs from what the memo was built under, the memo is dropped. Rows are only appended, and a
connection in autocommit sees committed rows only, so the figure changes exactly when a change
has been committed, and the memo is never built from data that a rollback takes back.

Inside a transaction a reader may see its own uncommitted configuration changes: there, and on
other databases, ``memo()`` returns None and the callers read the database as before.
"""
from __future__ import annotations

import threading

from django.db import connection
from django.utils.translation import get_language

from .calendar import load_calendar
from .deadlines import clock_inputs, compute_deadlines
from .models import DeadlinePolicy

CHANGES_TABLE = "cases_deadlineinputchange"
# Distinct (policy, D0, category, channel, language) kept; a day of intake uses a few dozen.
MAX_COMPUTED = 2048


class Memo:
    """The deadline inputs as of one change count. Immutable once shared, except the two dicts,
    which only gain entries (and are cleared, never half-updated, when full)."""

    def __init__(self, version):
        self.version = version
        self.calendar = load_calendar()
        # Newest version first: the order policy_for walks.
        self.policies = list(DeadlinePolicy.objects.order_by("-version"))
        self.rules = {}  # compute_deadlines' stage-rule cache: (policy id, tier) -> rules
        self.computed = {}
        self.explained = {}  # deadlines_for_case: the case page's recomputation

    def policy_for(self, d0):
        """The deadline policy version in force on D0 (as cases.services.intake.policy_for)."""
        for policy in self.policies:
            if policy.effective_from <= d0:
                return policy
        return self.policies[-1] if self.policies else None

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
        """compute_deadlines(case) of any case, given all its Extension and Pause rows (the case
        page has them), memoised per (policy, D0, tier in force, category, channel, dispute
        date, paused days, language): those are all the computation reads besides the
        configuration this memo holds. The case page redoes the explanations in the reader's
        language on every view; cases received on the same day share one entry."""
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


_lock = threading.Lock()
_current: Memo | None = None


def memo():
    """The Memo of the configuration as committed now, or None where nothing may be memoised
    (not PostgreSQL, or inside a transaction). Costs one query; rebuilds after a change."""
    global _current
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        # Read before the inputs: a change committed in between makes the next call rebuild.
        cursor.execute(f"SELECT count(*), max(id) FROM {CHANGES_TABLE}")  # noqa: S608  # nosec B608 - constant
        version = tuple(cursor.fetchone())
    current = _current
    if current is not None and current.version == version:
        return current
    with _lock:
        if _current is None or _current.version != version:
            _current = Memo(version)
        return _current
