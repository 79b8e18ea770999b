"""Finished periods' KPI figures served from the cache, never after their inputs changed.

A period is cached once it ended CACHE_AFTER_DAYS ago (and is asked as of a date after its
end), under a key made of the change stamps of the quarters it covers. The read model's
writer adds a stamp for a quarter, in the transaction of the change, whenever it rewrites a
row whose receipt or visits fall in a quarter that may be cached (readmodel.kpi_cases_refresh),
so a change makes the cached figures of its quarters unreachable the moment it commits.
Other backends compute every time (the snapshot below needs REPEATABLE READ).
"""
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Count, Max

from complaints_portal.db_router import read_alias

from .models import KpiChange
from .periods import local_today
from .readmodel import ALL_QUARTERS, CACHE_AFTER_DAYS


def cached_for_period(period, as_of, name, compute):
    """``compute()``, kept in the cache for a finished period under the latest change stamps
    of the quarters it covers; computed every time otherwise."""
    # The alias the counting queries will read (the replica inside replica_reads()). The stamps
    # must come from the same database as the counts, in the same snapshot: stamps read on the
    # primary with counts from a lagging replica would store stale counts under the primary's
    # fresher key, served as current once the replica caught up.
    alias = read_alias()
    conn = connections[alias]
    if conn.vendor != "postgresql" or as_of < period.end or (local_today() - period.end).days < CACHE_AFTER_DAYS:
        return compute()
    # The quarters the period's dates fall in (a month or year period as well as a quarter).
    quarters = sorted({f"{m // 12}Q{m % 12 // 3 + 1}" for m in range(
        period.start.year * 12 + period.start.month - 1, period.end.year * 12 + period.end.month
    )}) + [ALL_QUARTERS]
    key = _stamped_key(alias, name, period, as_of, quarters)
    value = cache.get(key)
    if value is not None:
        return value
    if conn.in_atomic_block:
        # Inside a caller's transaction the isolation level is theirs. The counts are read
        # after the stamps on the same database, so they are at least as fresh as the key.
        value = compute()
    else:
        # One snapshot for the stamps and every counting query: the key then names exactly
        # the data counted (a statement-level snapshot would let a commit land in between).
        with transaction.atomic(using=alias):
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            key = _stamped_key(alias, name, period, as_of, quarters)
            value = compute()
    cache.set(key, value, timeout=7 * 24 * 3600)
    return value


def _stamped_key(alias, name, period, as_of, quarters):
    """The cache key of a figure: its name, period, as-of date and, for each quarter, the
    latest change stamp and the number of stamps, read on ``alias``.

    The latest stamp alone would not do: stamp ids are drawn from a sequence when a write
    happens, not when it commits, so a transaction holding a lower stamp can commit after a
    higher one was read. Stamps are only ever added, so the number visible grows with every
    commit that stamps the quarter, and (latest, number) names the committed changes exactly."""
    stamps = {
        row["quarter"]: f"{row['latest']}.{row['n']}"
        for row in KpiChange.objects.using(alias).filter(quarter__in=quarters).values("quarter").annotate(
            latest=Max("id"), n=Count("id")).order_by()
    }
    return "{}:{}:{}:{}".format(name, period.code, as_of.isoformat(), ",".join(stamps.get(q, "0.0") for q in quarters))
