"""Two people acting on one case at the same moment (SPEC §3): exactly one succeeds, the other is
told the case changed, and nothing is half-written. Real concurrent transactions: PostgreSQL."""
import threading
from unittest import mock

import pytest
from django.db import connection

from cases.models import CaseEvent, Complaint, Plan, PlanApproval
from cases.services import case_transition
from complaints_portal.common.errors import ApplicationError
from tests.factories.cases import ComplaintFactory

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the roles and the default deadline policy come from a data migration,
    # which the flush after a transactional test would otherwise remove for the tests after it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def no_celery_publishing():
    """Notifications are published to Celery after commit; that leaves the process."""
    with mock.patch("cases.notifications.enqueue_on_commit"):
        yield


def race(*calls):
    """Run each call in its own thread and database connection, released together by a barrier.
    Returns [(result or None, error or None)] in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = (call(), None)
        except ApplicationError as exc:
            results[index] = (None, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not t.is_alive() for t in threads)
    return results


def test_same_action_with_the_same_version_one_succeeds_the_other_gets_case_changed(people):
    # given
    case = ComplaintFactory(acknowledged=True)
    version = case.version

    def assign(code):
        return lambda: case_transition(actor=people["clerk"], reference=case.reference, action="assign",
                                       data={"department": code}, expected_version=version)

    # when
    results = race(assign("SALES"), assign("CS"))
    # then
    winners = [r for r, e in results if r is not None]
    errors = [e for r, e in results if e is not None]
    assert len(winners) == 1 and len(errors) == 1
    assert errors[0].code == "case_changed"
    assert errors[0].extra == {"version": version + 1}
    fresh = Complaint.objects.get(pk=case.pk)
    assert fresh.version == version + 1
    assert fresh.department.code == winners[0].department.code
    assert CaseEvent.objects.filter(case=case, kind="assign").count() == 1
    assert fresh.history.filter(status="assigned").count() == 1


def test_approve_and_reject_at_once_one_wins_the_other_is_refused_by_state(people):
    # given: two approvers act on the same pending plan without sending a version
    case = ComplaintFactory(plan_pending=True)

    def approve():
        return case_transition(actor=people["head_sales"], reference=case.reference, action="approve_plan")

    def reject():
        return case_transition(actor=people["senior"], reference=case.reference, action="reject_plan",
                               data={"reason": "Too generous."})

    # when
    results = race(approve, reject)
    # then
    errors = [e for r, e in results if e is not None]
    assert len(errors) == 1
    assert errors[0].code == "transition_not_allowed"
    fresh = Complaint.objects.get(pk=case.pk)
    assert fresh.status in ("plan_approved", "reported")
    assert PlanApproval.objects.filter(plan__case=case).count() == 1
    approval = PlanApproval.objects.get(plan__case=case)
    assert Plan.objects.get(case=case).state == ("approved" if approval.approved else "rejected")
    assert fresh.status == ("plan_approved" if approval.approved else "reported")
    assert CaseEvent.objects.filter(case=case, kind__in=["approve_plan", "reject_plan"]).count() == 1
