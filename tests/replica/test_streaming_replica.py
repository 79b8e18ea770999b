"""Read replicas against a real PostgreSQL hot standby (pg_basebackup -R of the test cluster).

Run by ``tests/replica/run-standby-test``, which starts the standby on port 5433, points
DATABASE_REPLICA_URL at it and removes it afterwards. Replay on the standby is paused to make
the lag visible: KPI, dashboard, export and report reads then show the old figures, while the
case page, writes and every read after the user's own write show the new ones; once replay
resumes the replica catches up.

Without a standby the module is skipped, unless REPLICA_STANDBY_REQUIRED=1 (the script, CI),
where a missing or non-standby replica fails with a message instead.
"""
import datetime
import io
import os
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse

from assessment.kpi.periods import period_parse
from assessment.kpi.selectors import kpi_table
from assessment.models import Target
from complaints_portal.db_router import replica_reads
from tests.factories import assessment as fa
from tests.factories import cases as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"]),
]

INTAKE = {
    "channel": "hotline", "category": "service", "complaint_type": "complaint",
    "summary": "Agent did not return calls", "description": "Called three times, nobody called back.",
    "customer_name": "张三", "customer_phone": "13812345678", "policy_numbers": "P2026-0001",
}


def _sql(alias, sql, params=None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if cursor.description else None


def _standby_caught_up(timeout):
    import psycopg

    replica = settings.DATABASES["replica"]
    target = _sql("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    with psycopg.connect(host=replica["HOST"], port=replica["PORT"], user=replica["USER"],
                         password=replica["PASSWORD"], dbname="postgres", autocommit=True) as conn:
        while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
    return True


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """The "replica" alias, checked to be a hot standby in recovery."""
    problem = None
    if "replica" not in settings.DATABASES:
        problem = "DATABASE_REPLICA_URL is not set"
    elif connections["default"].vendor != "postgresql":
        problem = "the database is not PostgreSQL"
    else:
        with django_db_blocker.unblock():
            try:
                # The test database was just created and migrated on the primary: wait for the
                # standby to replay that (on the postgres database, which exists on both).
                if not _standby_caught_up(timeout=180):
                    problem = "the standby did not replay the primary's WAL within 180 s"
                elif not _sql("replica", "SELECT pg_is_in_recovery()"):
                    problem = "the replica is not a standby in recovery (pg_is_in_recovery() is false)"
            except Exception as exc:  # any connection error: report it as such
                problem = f"the replica does not answer: {exc}"
            finally:
                connections["replica"].close()
    if problem:
        message = f"needs a streaming hot standby (tests/replica/run-standby-test): {problem}"
        if os.environ.get("REPLICA_STANDBY_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)


def wait_replayed(timeout=180):
    """Until the standby has replayed everything written on the primary so far."""
    target = _sql("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, f"the standby did not replay up to {target} in {timeout}s"
        time.sleep(0.1)


@pytest.fixture
def replay(standby):
    """pause()/resume() of WAL replay on the standby; always resumed after the test."""

    class Replay:
        def pause(self):
            wait_replayed()
            _sql("replica", "SELECT pg_wal_replay_pause()")
            while _sql("replica", "SELECT pg_get_wal_replay_pause_state()") != "paused":
                time.sleep(0.05)

        def resume(self):
            _sql("replica", "SELECT pg_wal_replay_resume()")
            wait_replayed()

    yield Replay()
    _sql("replica", "SELECT pg_wal_replay_resume()")


def dashboard_complaints(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.context["table"].company.complaints


def exported(client):
    response = client.get(reverse("case_list_export", args=["csv"]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_dashboard_and_exports_read_the_replica_own_writes_read_the_primary(replay):
    # given one case, replayed on the standby, and a supervisor watching the dashboard
    f.calendar_seed()
    f.ComplaintFactory(intake={"complaint_type": "complaint"})
    clerk, supervisor = f.clerk(), f.supervisor()
    watcher = Client()
    watcher.force_login(supervisor)
    wait_replayed()
    before = dashboard_complaints(watcher)
    assert before >= 1

    # when replay stops and the clerk registers a case through the intake form
    replay.pause()
    intake = Client()
    intake.force_login(clerk)
    response = intake.post(reverse("case_create"), INTAKE)
    # then the write went to the primary (the standby is read-only) and succeeded
    assert response.status_code == 302, response.content[:500]
    reference = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert _sql("default", "SELECT count(*) FROM cases_complaint WHERE reference = %s", [reference]) == 1
    assert _sql("replica", "SELECT count(*) FROM cases_complaint WHERE reference = %s", [reference]) == 0
    # and the clerk, right after their own write, sees the case (pinned to the primary)
    assert intake.get(response["Location"]).status_code == 200

    # the dashboard and the export are served by the lagging replica: the old figures
    assert dashboard_complaints(watcher) == before
    assert reference not in exported(watcher)
    # the case page is a primary read: the new case is there
    assert watcher.get(reverse("case_detail", args=[reference])).status_code == 200

    # when the supervisor writes (a target), their next reads are pinned to the primary
    response = watcher.post(reverse("assessment_targets"), {"period": "2026Q4", "complaint_rate": "0.5"})
    assert response.status_code == 302
    assert dashboard_complaints(watcher) == before + 1
    assert reference in exported(watcher)
    # another supervisor's browser, without a write, still reads the replica
    other = Client()
    other.force_login(supervisor)
    assert dashboard_complaints(other) == before

    # when replay resumes, the replica catches up
    replay.resume()
    assert dashboard_complaints(other) == before + 1
    assert reference in exported(other)


def test_a_lagging_replica_does_not_poison_the_kpi_cache(replay, monkeypatch):
    # given a finished quarter (served from the cache) with one case, replayed
    monkeypatch.setattr("assessment.kpi.selectors.local_today", lambda: datetime.date(2026, 9, 1))
    q2, as_of = period_parse("2026Q2"), datetime.date(2026, 7, 15)
    cache.clear()
    fa.ComplaintFactory()
    wait_replayed()
    with replica_reads():
        assert kpi_table(q2, as_of).company.complaints == 1

    # when a second case of the quarter is written while the replica lags
    replay.pause()
    fa.ComplaintFactory()
    # then the replica read is consistent with the replica (its stamps, its counts) ...
    with replica_reads():
        assert kpi_table(q2, as_of).company.complaints == 1
    # ... and did not store its stale counts under the primary's newer stamp
    assert kpi_table(q2, as_of).company.complaints == 2

    # when the replica catches up, it serves the new figure
    replay.resume()
    with replica_reads():
        assert kpi_table(q2, as_of).company.complaints == 2


def test_kpi_report_waits_for_the_replica_or_reads_the_primary(replay, settings):
    # given a replica that stopped replaying before the last case was written
    settings.REPLICA_CATCH_UP_SECONDS = 1
    fa.ComplaintFactory()
    replay.pause()
    fa.ComplaintFactory()
    # when the command runs, the replica cannot catch up within the wait
    out = io.StringIO()
    call_command("kpi_report", "2026Q2", "--as-of", "2026-07-15", stdout=out)
    # then it read the primary: both cases are counted
    company = out.getvalue().strip().splitlines()[-1].split(",")
    assert company[:2] == ["ALL", "2"]

    # and once replay runs, it reads the caught-up replica with the same result
    _sql("replica", "SELECT pg_wal_replay_resume()")
    out = io.StringIO()
    call_command("kpi_report", "2026Q2", "--as-of", "2026-07-15", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].split(",")[:2] == ["ALL", "2"]


def test_writes_inside_marked_blocks_go_to_the_primary(replay):
    replay.pause()
    with replica_reads():
        Target.objects.create(period="2026Q3", complaint_rate="0.5000")
        # a read inside a transaction on the primary sees its own write
        from django.db import transaction

        with transaction.atomic():
            assert Target.objects.filter(period="2026Q3").exists()
        # an ordinary marked read does not yet (the replica lags)
        assert not Target.objects.filter(period="2026Q3").exists()
