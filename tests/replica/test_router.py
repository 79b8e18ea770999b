"""The database router: KPI, dashboard, report and export reads on the replica when asked for,
everything else on the primary; nothing changes without a replica."""
import datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from assessment.models import Target
from cases.models import Complaint, DepartmentMembership
from complaints_portal.db_router import (
    PrimaryReplicaRouter,
    primary_pinned,
    replica_reads,
)
from tests.replica.conftest import REPLICA_DB

router = PrimaryReplicaRouter()


# A "replica" alias that is a test mirror of the default database (tests/replica/conftest.py).


pytestmark = REPLICA_DB


def test_unmarked_reads_go_to_the_primary(replica_mirror):
    assert router.db_for_read(Complaint) == "default"
    assert router.db_for_read(Target) == "default"


def test_marked_reads_go_to_the_replica(replica_mirror):
    with replica_reads():
        assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_read(Target) == "replica"
    assert router.db_for_read(Complaint) == "default"


def test_marked_reads_are_executed_on_the_replica_connection(replica_mirror):
    with CaptureQueriesContext(replica_mirror) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        with replica_reads():
            Complaint.objects.count()
        Complaint.objects.count()
    assert len(on_replica) == 1 and "cases_complaint" in on_replica[0]["sql"]
    assert len(on_primary) == 1


def test_identity_and_access_are_always_read_on_the_primary(replica_mirror):
    with replica_reads():
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(DepartmentMembership) == "default"


def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(replica_mirror):
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Complaint) == "default"
    with transaction.atomic(), replica_reads():
        assert router.db_for_read(Complaint) == "default"


def test_a_transaction_on_the_replica_keeps_reads_on_the_replica(replica_mirror):
    with replica_reads(), transaction.atomic(using="replica"):
        assert router.db_for_read(Complaint) == "replica"


def test_pinned_reads_stay_on_the_primary(replica_mirror):
    with primary_pinned(), replica_reads():
        assert router.db_for_read(Complaint) == "default"


def test_writes_and_migrations_go_to_the_primary_only(replica_mirror):
    with replica_reads():
        assert router.db_for_write(Complaint) == "default"
        # A write inside a marked block succeeds on the primary.
        Target.objects.create(period="2026Q2", complaint_rate="0.0100")
    assert router.allow_migrate("default", "cases") is None
    assert router.allow_migrate("replica", "cases") is False
    assert Target.objects.using("default").count() == 1


def test_objects_of_the_two_aliases_may_be_related(replica_mirror):
    a, b = Complaint(), Complaint()
    a._state.db, b._state.db = "default", "replica"
    assert router.allow_relation(a, b) is True


def test_replica_reads_as_a_decorator_applies_per_call(replica_mirror):
    @replica_reads()
    def where():
        return router.db_for_read(Complaint)

    assert where() == "replica"
    assert router.db_for_read(Complaint) == "default"
    with primary_pinned():
        assert where() == "default"


def test_a_nested_block_keeps_the_outer_decision(replica_mirror, settings):
    # given a job whose replica did not catch up (the mirror never reports replay progress)
    settings.REPLICA_CATCH_UP_SECONDS = 0
    if replica_mirror.vendor != "postgresql":
        pytest.skip("replay positions are PostgreSQL's")
    with replica_reads(caught_up=True):
        assert router.db_for_read(Complaint) == "default"
        # when a helper marks its own reads, they stay on the primary
        with replica_reads():
            assert router.db_for_read(Complaint) == "default"
    # and a plain outer block's decision holds inside too
    with replica_reads(), replica_reads():
        assert router.db_for_read(Complaint) == "replica"


def test_caught_up_reads_use_the_replica_once_it_has_replayed_the_primary(replica_mirror):
    if replica_mirror.vendor != "postgresql":
        pytest.skip("replay positions are PostgreSQL's")
    # The mirror is the primary itself: pg_last_wal_replay_lsn() is NULL there, so the replica
    # never counts as caught up and the block reads on the primary (after the timeout).
    from django.test import override_settings

    with override_settings(REPLICA_CATCH_UP_SECONDS=0), replica_reads(caught_up=True):
        assert router.db_for_read(Complaint) == "default"


# --- the KPI cache ------------------------------------------------------------------------------


def test_kpi_cache_stamps_are_read_with_the_counts_on_the_replica(replica_mirror, monkeypatch):
    if replica_mirror.vendor != "postgresql":
        pytest.skip("the change stamps are PostgreSQL triggers")
    from assessment.kpi.periods import period_parse
    from assessment.kpi.selectors import kpi_table
    from tests.factories.assessment import ComplaintFactory, local_dt

    monkeypatch.setattr("assessment.kpi.selectors.local_today", lambda: datetime.date(2026, 9, 1))
    cache.clear()
    ComplaintFactory(notified=local_dt("2026-04-20"))
    with CaptureQueriesContext(replica_mirror) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        with replica_reads():
            table = kpi_table(period_parse("2026Q2"), datetime.date(2026, 7, 15))
    assert table.company.complaints == 1
    replica_sql = [q["sql"] for q in on_replica]
    assert any("assessment_kpichange" in sql for sql in replica_sql)
    assert any("REPEATABLE READ" in sql for sql in replica_sql)
    assert not any("assessment_kpichange" in q["sql"] for q in on_primary)
