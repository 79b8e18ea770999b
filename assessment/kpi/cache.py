"""Finished periods' KPI figures from the cache, under a key made of their quarters' change
stamps (added by the read model's writer with each change); PostgreSQL only."""
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
    """The cache key of a figure: name, period, as-of date and, per quarter, the latest change
    stamp and the number of stamps (read on ``alias``). Stamp ids are drawn before the commit,
    so a lower stamp can commit after a higher one was read; the count still grows with it."""
    stamps = {
        row["quarter"]: f"{row['latest']}.{row['n']}"
        for row in KpiChange.objects.using(alias).filter(quarter__in=quarters).values("quarter").annotate(
            latest=Max("id"), n=Count("id")).order_by()
    }
    return "{}:{}:{}:{}".format(name, period.code, as_of.isoformat(), ",".join(stamps.get(q, "0.0") for q in quarters))
