"""kpi_table's cache of finished quarters (PostgreSQL): served while nothing changed, never
after a case, deadline or visit of the quarter changed, however it was written."""
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.kpi.periods import period_parse
from assessment.kpi.selectors import kpi_table
from assessment.models import FollowUpVisit
from cases.models import CaseDeadline, Complaint
from tests.factories.assessment import CaseDeadlineFactory, ComplaintFactory, FollowUpVisitFactory, local_dt

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the change stamps are PostgreSQL triggers"),
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


def test_queryset_update_of_a_case_invalidates_its_quarter():
    # given
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().on_time == 1
    # when a write that sends no signal makes it late
    Complaint.objects.filter(pk=case.pk).update(first_notified_at=local_dt("2026-05-20"))
    # then
    assert (company().on_time, company().late) == (0, 1)


def test_new_case_deadline_and_visit_invalidate_the_quarter():
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    assert company().complaints == 1
    ComplaintFactory.create_batch(2)
    assert company().complaints == 3

    CaseDeadlineFactory(case=case, stage="acknowledge", due_on=datetime.date(2026, 4, 13),
                        met_at=local_dt("2026-04-12"))
    assert company().stages["acknowledge"]["met"] == 1
    CaseDeadline.objects.filter(case=case).update(met_at=local_dt("2026-04-20"))
    assert company().stages["acknowledge"]["late"] == 1

    FollowUpVisit.objects.bulk_create([FollowUpVisit(case=case, outcome="completed", rating=5,
                                                     visited_at=local_dt("2026-05-05"))])
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
    rows = {r.department: r.revisited for r in kpi_table(Q2, AS_OF).rows}
    assert (rows["SALES"], rows["CLAIMS"]) == (0, 1)


def test_volume_by_follows_a_change_of_category():
    from assessment.kpi.selectors import volume_by

    case = ComplaintFactory(category="service")
    assert volume_by(Q2, AS_OF, "category") == [("service", 1)]
    Complaint.objects.filter(pk=case.pk).update(category="product")
    assert volume_by(Q2, AS_OF, "category") == [("product", 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_later_stamp_still_invalidates_the_cache():
    """Stamps come from a sequence, so a transaction can take a lower stamp than one that
    commits before it. A figure computed in between must not stay cached once it commits."""
    from django.db import connections

    # given a case of the finished quarter, notified on time (committed)
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    other = connections.create_connection("default")
    other.set_autocommit(False)
    try:
        # when another transaction makes it late (its stamp is drawn now, not committed yet) ...
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_complaint SET first_notified_at = %s WHERE id = %s",
                [local_dt("2026-05-20"), case.pk],
            )
        # ... a later write commits a higher stamp, and the figures are computed and cached
        ComplaintFactory(complaint_type="feedback")  # not in the cohort, but a write to the quarter
        assert (company().on_time, company().late) == (1, 0)
        other.commit()
    finally:
        other.close()
    # then the committed change is counted: the cached figure is not served
    assert (company().on_time, company().late) == (0, 1)
