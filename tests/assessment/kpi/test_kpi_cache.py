"""kpi_table's cache of finished quarters (PostgreSQL): served while nothing changed, never
after the read model of a case, deadline or visit of the quarter was rewritten (the writer
stamps the quarter in the same transaction)."""
import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessment.kpi.followups import followup_record
from assessment.kpi.periods import period_parse
from assessment.kpi.readmodel import kpi_cases_refresh, kpi_rebuild
from assessment.kpi.selectors import kpi_table
from cases.models import CaseDeadline, Complaint
from tests.factories.assessment import CaseDeadlineFactory, ComplaintFactory, FollowUpVisitFactory, local_dt
from tests.factories.cases import supervisor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="finished quarters are cached on PostgreSQL only"),
]

Q2 = period_parse("2026Q2")
AS_OF = datetime.date(2026, 7, 15)


@pytest.fixture(autouse=True)
def finished_quarter(monkeypatch):
    # Q2 2026 ended long enough before "today" to be cached; each test starts with a cold cache
    # (the cache outlives the rolled-back database of earlier tests).
    monkeypatch.setattr("assessment.kpi.selectors.local_today", lambda: datetime.date(2026, 9, 1))
    cache.clear()


def company():
    return kpi_table(Q2, AS_OF).company


def count_queries():
    with CaptureQueriesContext(connection) as queries:
        kpi_table(Q2, AS_OF)
    return len(queries.captured_queries)


def test_unchanged_finished_quarter_is_served_from_the_cache():
    # given
    ComplaintFactory(notified=local_dt("2026-04-20"))
    computed = count_queries()
    # when nothing changes
    cached = count_queries()
    # then the counting queries are not run again
    assert cached < computed
    assert company().on_time == 1


def test_a_rewritten_case_invalidates_its_quarter():
    # given
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().on_time == 1
    # when a write makes it late (with its read-model row, as every write path does)
    Complaint.objects.filter(pk=case.pk).update(first_notified_at=local_dt("2026-05-20"))
    kpi_cases_refresh([case.pk])
    # then
    assert (company().on_time, company().late) == (0, 1)


def test_a_follow_up_visit_recorded_by_the_service_invalidates_its_quarter():
    # given a case notified in Q2 and its figures cached
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().revisited == 0
    # when the service records a visit in Q2
    followup_record(case, supervisor(), "completed", rating=5, visited_at=local_dt("2026-05-05"))
    # then
    assert (company().revisited, company().satisfied) == (1, 1)


def test_a_rebuild_invalidates_every_quarter():
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().on_time == 1
    Complaint.objects.filter(pk=case.pk).update(first_notified_at=local_dt("2026-05-20"))
    kpi_rebuild()
    assert company().late == 1


def test_new_case_deadline_and_visit_invalidate_the_quarter():
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().complaints == 1
    ComplaintFactory.create_batch(2)
    assert company().complaints == 3

    CaseDeadlineFactory(case=case, stage="acknowledge", due_on=datetime.date(2026, 4, 13),
                        met_at=local_dt("2026-04-12"))
    assert company().stages["acknowledge"]["met"] == 1
    CaseDeadline.objects.filter(case=case).update(met_at=local_dt("2026-04-20"))
    kpi_cases_refresh([case.pk])
    assert company().stages["acknowledge"]["late"] == 1

    FollowUpVisitFactory(case=case, visited_at=local_dt("2026-05-05"))
    assert company().revisited == 1


def test_an_earlier_visit_in_another_quarter_invalidates_the_later_quarter():
    # given a case whose first completed visit is in Q2
    visit = FollowUpVisitFactory(visited_at=local_dt("2026-05-05"))
    assert company().revisited == 1
    # when an earlier completed visit (in Q1) is recorded, the Q2 one is no longer the first
    FollowUpVisitFactory(case=visit.case, visited_at=local_dt("2026-03-20"))
    # then
    assert company().revisited == 0


def test_moving_a_case_to_another_department_moves_its_visits():
    visit = FollowUpVisitFactory(visited_at=local_dt("2026-05-05"), case__received_at=local_dt("2026-01-10"))
    other = ComplaintFactory(department__code="CLAIMS", department__name="Claims").department
    rows = {r.department: r.revisited for r in kpi_table(Q2, AS_OF).rows}
    assert rows["SALES"] == 1
    Complaint.objects.filter(pk=visit.case_id).update(department=other)
    kpi_cases_refresh([visit.case_id])
    rows = {r.department: r.revisited for r in kpi_table(Q2, AS_OF).rows}
    assert (rows["SALES"], rows["CLAIMS"]) == (0, 1)


def test_volume_by_follows_a_change_of_category():
    from assessment.kpi.drilldown import volume_by

    case = ComplaintFactory(category="service")
    assert volume_by(Q2, AS_OF, "category") == [("service", 1)]
    Complaint.objects.filter(pk=case.pk).update(category="product")
    kpi_cases_refresh([case.pk])
    assert volume_by(Q2, AS_OF, "category") == [("product", 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_later_stamp_still_invalidates_the_cache():
    """Stamp ids come from a sequence, so a transaction can take a lower stamp than one that
    commits before it. A figure computed in between must not stay cached once it commits."""
    # given a case of the finished quarter, notified on time (committed)
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    stamped, go_on = threading.Event(), threading.Event()

    def make_it_late():  # another transaction: its stamp is drawn now, committed later
        try:
            with transaction.atomic():
                Complaint.objects.filter(pk=case.pk).update(first_notified_at=local_dt("2026-05-20"))
                kpi_cases_refresh([case.pk])
                stamped.set()
                go_on.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=make_it_late)
    writer.start()
    assert stamped.wait(10)
    # when a later write commits a higher stamp, and the figures are computed and cached
    ComplaintFactory(complaint_type="feedback")  # not in the cohort, but a write to the quarter
    assert (company().on_time, company().late) == (1, 0)
    go_on.set()
    writer.join()
    # then the committed change is counted: the cached figure is not served
    assert (company().on_time, company().late) == (0, 1)
