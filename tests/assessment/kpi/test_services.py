"""Follow-up visits, targets and snapshots (assessment.kpi.services) and the followups API."""
import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from assessment.kpi import followups, services
from assessment.kpi.periods import period_parse
from assessment.kpi.readmodel import kpi_cases_refresh
from assessment.models import FollowUpVisit, KpiSnapshot, Target
from cases.models import CaseEvent, DepartmentMembership
from complaints_portal.common.errors import PermissionDenied, ReadOnlyCase
from tests.factories.assessment import (
    ComplaintFactory,
    DepartmentFactory,
    FollowUpAttemptFactory,
    local_dt,
)

pytestmark = pytest.mark.django_db


def make_user(username, role, department=None, membership="investigator"):
    user = User.objects.create_user(username, password="pw")
    user.groups.add(Group.objects.get(name=role))
    if department is not None:
        DepartmentMembership.objects.create(user=user, department=department, role=membership)
    return user


@pytest.fixture
def clerk():
    return make_user("clerk", "intake_clerk")


@pytest.fixture
def supervisor():
    return make_user("supervisor", "supervisor")


@pytest.fixture
def notified_case():
    return ComplaintFactory(notified=local_dt("2026-04-20"))


def test_completed_visit_needs_a_rating_from_1_to_5(clerk, notified_case):
    for rating in (None, 0, 6):
        with pytest.raises(followups.FollowUpInvalid) as exc:
            followups.followup_record(notified_case, clerk, "completed", rating=rating)
        assert exc.value.code == "followup_invalid"
    visit = followups.followup_record(notified_case, clerk, "completed", rating=4, comment="ok")
    assert visit.rating == 4 and visit.by == clerk
    assert CaseEvent.objects.filter(case=notified_case, kind="followup").count() == 1
    assert visit.history.count() == 1


def test_unreachable_needs_three_recorded_attempts(clerk, notified_case):
    followups.followup_attempt_record(notified_case, clerk, at=local_dt("2026-04-21", 9), result="no_answer")
    followups.followup_attempt_record(notified_case, clerk, at=local_dt("2026-04-21", 15), result="no_answer")
    with pytest.raises(followups.FollowUpNeedsAttempts) as exc:
        followups.followup_record(notified_case, clerk, "unreachable", visited_at=local_dt("2026-04-23"))
    assert exc.value.code == "followup_needs_attempts" and exc.value.extra == {"attempts": 2}
    followups.followup_attempt_record(notified_case, clerk, at=local_dt("2026-04-22", 9), result="no_answer")
    visit = followups.followup_record(notified_case, clerk, "unreachable", visited_at=local_dt("2026-04-23"))
    assert visit.outcome == "unreachable" and visit.rating is None
    assert CaseEvent.objects.filter(case=notified_case, kind="followup_attempt").count() == 3


def test_followup_before_the_decision_is_refused(clerk):
    case = ComplaintFactory()
    with pytest.raises(followups.FollowUpNotDue) as exc:
        followups.followup_record(case, clerk, "refused")
    assert exc.value.code == "followup_before_decision"
    assert not FollowUpVisit.objects.exists()


def test_rating_on_a_refused_visit_is_refused(clerk, notified_case):
    with pytest.raises(followups.FollowUpInvalid):
        followups.followup_record(notified_case, clerk, "refused", rating=3)


def test_investigator_of_another_department_may_not_record_a_visit(notified_case):
    other = DepartmentFactory(code="CS", name="CS")
    user = make_user("inv_cs", "investigator", other)
    with pytest.raises(PermissionDenied):
        followups.followup_record(notified_case, user, "refused")


def test_target_set_creates_then_updates_and_only_a_supervisor_may(supervisor, clerk):
    dept = DepartmentFactory(code="SALES", name="Sales")
    services.target_set(supervisor, "2026Q2", dept, complaint_rate=Decimal("0.0100"), on_time_rate=Decimal("98"))
    services.target_set(supervisor, "2026Q2", dept, complaint_rate=Decimal("0.0200"), on_time_rate=Decimal("95"))
    target = Target.objects.get()
    assert target.complaint_rate == Decimal("0.0200") and target.on_time_rate == Decimal("95.00")
    assert target.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.target_set(clerk, "2026Q2", dept, on_time_rate=Decimal("90"))


def test_snapshot_stores_rule_version_and_diff_shows_later_changes(supervisor):
    # given
    case = ComplaintFactory()
    snapshot = services.snapshot_create("2026Q2", datetime.date(2026, 7, 15), supervisor, publish=True)
    assert snapshot.rule_version == services.KPI_RULES_VERSION
    all_row = snapshot.rows[-1]
    assert all_row["department"] == "ALL" and all_row["complaints"] == 1 and all_row["late"] == 1
    assert services.snapshot_diff(snapshot) == []
    # when: a late correction of the data (with its read-model row, as every write path writes it)
    case.complaint_type = "feedback"
    case.save()
    kpi_cases_refresh([case.pk])
    # then
    diff = services.snapshot_diff(snapshot)
    assert {"department": "ALL", "figure": "complaints", "stored": 1, "now": 0} in diff
    with pytest.raises(services.SnapshotFrozen):
        services.snapshot_publish(snapshot, supervisor)
    with pytest.raises(services.SnapshotFrozen):
        services.snapshot_delete(snapshot, supervisor)


def test_snapshot_previous_quarter_runs_once_per_day():
    first = services.snapshot_previous_quarter(today=datetime.date(2026, 7, 2))
    second = services.snapshot_previous_quarter(today=datetime.date(2026, 7, 2))
    assert first == second
    snapshot = KpiSnapshot.objects.get()
    assert snapshot.period == "2026Q2" and snapshot.as_of == datetime.date(2026, 7, 2)
    assert period_parse(snapshot.period).end == datetime.date(2026, 6, 30)


# ---- API ------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_records_a_completed_visit_and_returns_201(clerk, notified_case):
    response = api(clerk).post(
        f"/api/v1/complaints/{notified_case.reference}/followups/",
        {"outcome": "completed", "rating": 5, "visited_at": "2026-04-22T10:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["rating"] == 5 and response.json()["reference"] == notified_case.reference


def test_api_errors_are_json_with_message_code_extra(clerk, notified_case):
    response = api(clerk).post(
        f"/api/v1/complaints/{notified_case.reference}/followups/", {"outcome": "unreachable"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "followup_needs_attempts"
    assert set(response.json()) == {"message", "code", "extra"}
    response = api(clerk).post(
        f"/api/v1/complaints/{notified_case.reference}/followups/", {"outcome": "completed"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "followup_invalid"


def test_api_case_of_another_department_is_not_found(notified_case):
    user = make_user("inv_cs", "investigator", DepartmentFactory(code="CS", name="CS"))
    response = api(user).post(f"/api/v1/complaints/{notified_case.reference}/followups/", {"outcome": "refused"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    missing = api(user).post("/api/v1/complaints/NOPE/followups/", {"outcome": "refused"}, format="json")
    assert missing.status_code == 404


def test_api_unreachable_after_three_attempts_is_accepted(clerk, notified_case):
    FollowUpAttemptFactory.create_batch(3, case=notified_case, at=local_dt("2026-04-21"))
    response = api(clerk).post(
        f"/api/v1/complaints/{notified_case.reference}/followups/",
        {"outcome": "unreachable", "visited_at": "2026-04-22T10:00:00+08:00"}, format="json",
    )
    assert response.status_code == 201


# ---- an archived case accepts no follow-up (SPEC §3) ---------------------------------------


@pytest.fixture
def archived_case():
    case = ComplaintFactory(notified=local_dt("2026-04-20"))
    case.status, case.closed_at, case.archived_at = "archived", local_dt("2026-04-22"), local_dt("2026-05-01")
    case.save()
    kpi_cases_refresh([case.pk])
    return case


def test_api_followup_on_an_archived_case_is_refused_and_the_published_figures_stay(clerk, supervisor, archived_case):
    # given the quarter's figures published
    snapshot = services.snapshot_create("2026Q2", datetime.date(2026, 7, 15), supervisor, publish=True)
    # when a visit and an attempt are posted for the archived case
    visit = api(clerk).post(f"/api/v1/complaints/{archived_case.reference}/followups/",
                            {"outcome": "completed", "rating": 5, "visited_at": "2026-04-22T10:00:00+08:00"},
                            format="json")
    attempt = api(clerk).post(f"/api/v1/complaints/{archived_case.reference}/followups/attempts/",
                              {"channel": "phone", "result": "no_answer"}, format="json")
    # then both are refused with the archived code, nothing is written, the figures stay
    for response in (visit, attempt):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "case_archived"
    assert not FollowUpVisit.objects.exists()
    assert not CaseEvent.objects.filter(case=archived_case, kind__startswith="followup").exists()
    assert services.snapshot_diff(snapshot) == []


def test_followup_service_refuses_an_archived_case_and_the_queue_leaves_it_out(clerk, archived_case):
    with pytest.raises(ReadOnlyCase):
        followups.followup_record(archived_case, clerk, "refused")
    with pytest.raises(ReadOnlyCase):
        followups.followup_attempt_record(archived_case, clerk)
    assert followups.followup_queue(clerk) == []


def test_followup_on_a_closed_case_is_still_accepted(clerk, notified_case):
    notified_case.status = "closed"
    notified_case.save()
    assert followups.followup_record(notified_case, clerk, "completed", rating=5).rating == 5
