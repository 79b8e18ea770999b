"""Group and major complaints (SPEC §12): the group's count and representatives, the marking of a
major complaint (who may, its reason, everyone told once), the emergency report's deadline in
hours (the policy's, default 24), swept and escalated as a stage, and met by the report."""
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.groups import MAX_REPRESENTATIVES
from cases.models import CaseDeadline, CaseEvent, Complaint, DeadlinePolicy, Notification
from cases.models.deadlines import Stage
from cases.sweep import run_sweep
from tests.factories.cases import ComplaintFactory, UserFactory, frozen_now, local_dt, senior, supervisor

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
REPS = [{"name": "李四", "phone": "138-0013-8000"}, {"name": "王五", "phone": "010-6512 3456"}]


def act(user, reference, action, **fields):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"{URL}{reference}/transitions/", {"action": action, **fields}, format="json")


def emergency_row(case):
    return CaseDeadline.objects.get(case=case, stage=Stage.EMERGENCY_REPORT)


# -- marking a case major -----------------------------------------------------------------------
def test_a_clerk_marks_a_case_major_and_every_senior_manager_and_supervisor_is_told_once(people):
    # given: more senior managers and supervisors, one holding both roles, one inactive
    from complaints_portal.common.roles import SENIOR_MANAGER, SUPERVISOR

    others = [senior("senior2"), supervisor("supervisor2"),
              UserFactory(username="both", roles=[SENIOR_MANAGER, SUPERVISOR])]
    UserFactory(username="gone", roles=[SUPERVISOR], is_active=False)
    case = ComplaintFactory(investigating=True)
    now = timezone.now()
    # when
    response = act(people["clerk"], case.reference, "mark_major", reason="in_person", note="30 people at the branch")
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "investigating" and body["major_reason"] == "in_person"
    assert "mark_major" not in body["allowed_actions"]
    told = [people["senior"], people["supervisor"], *others]
    for user in told:
        assert Notification.objects.filter(kind="major_complaint", recipient=user, case=case).count() == 1
    assert Notification.objects.filter(kind="major_complaint").count() == len(told)
    case.refresh_from_db()
    assert (case.major_reason, case.major_note) == ("in_person", "30 people at the branch")
    assert CaseEvent.objects.filter(case=case, kind="mark_major", actor=people["clerk"]).count() == 1
    assert case.history.filter(major_reason="in_person").count() == 1
    # and the emergency report is due 24 hours after the marking, shown as the case's next due
    row = emergency_row(case)
    assert abs(row.due_at - (now + datetime.timedelta(hours=24))) < datetime.timedelta(minutes=1)
    assert row.due_on == timezone.localdate(row.due_at) and row.met_at is None
    assert body["emergency_report_due"] is not None


def test_the_emergency_report_due_follows_the_case_policy(people):
    case = ComplaintFactory(assigned=True)
    DeadlinePolicy.objects.filter(pk=case.deadline_policy_id).update(emergency_report_hours=6)
    at = local_dt(timezone.localdate(), 8)
    with frozen_now(at):
        response = act(people["senior"], case.reference, "mark_major", reason="regulator")
    assert response.status_code == 200, response.json()
    assert emergency_row(case).due_at == at + datetime.timedelta(hours=6)


def test_the_policy_default_is_24_hours():
    assert DeadlinePolicy._meta.get_field("emergency_report_hours").default == 24


@pytest.mark.parametrize("role", ["inv_sales", "inv_cs"])
def test_an_investigator_may_not_mark_a_case_major(people, role):
    case = ComplaintFactory(investigating=True)  # inv_sales leads its team
    response = act(people[role], case.reference, "mark_major", reason="media")
    # then: refused (another department's case is not even visible), nothing written
    assert response.status_code == (403 if role == "inv_sales" else 404)
    assert response.json()["code"] == ("permission_denied" if role == "inv_sales" else "not_found")
    case.refresh_from_db()
    assert case.major_reason == "" and not CaseDeadline.objects.filter(stage=Stage.EMERGENCY_REPORT).exists()
    assert not Notification.objects.filter(kind="major_complaint").exists()


@pytest.mark.parametrize(("fields", "code"), [({}, "invalid"), ({"reason": "rumour"}, "invalid")])
def test_a_major_marking_needs_a_reason_from_the_list(people, fields, code):
    case = ComplaintFactory(investigating=True)
    response = act(people["clerk"], case.reference, "mark_major", **fields)
    assert response.status_code == 400 and response.json()["code"] == code
    assert "reason" in response.json()["extra"]["fields"]
    assert Complaint.objects.get(pk=case.pk).major_reason == ""


def test_a_case_is_marked_major_once(people):
    case = ComplaintFactory(investigating=True)
    assert act(people["clerk"], case.reference, "mark_major", reason="emergency").status_code == 200
    response = act(people["supervisor"], case.reference, "mark_major", reason="media")
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
    assert Notification.objects.filter(kind="major_complaint", recipient=people["senior"]).count() == 1


# -- the emergency report -------------------------------------------------------------------------
def test_the_department_head_submits_the_emergency_report_and_meets_its_deadline(people):
    case = ComplaintFactory(investigating=True)
    act(people["clerk"], case.reference, "mark_major", reason="emergency")
    # a clerk marks but does not report; nor does the team's investigator
    for role in ("clerk", "inv_sales"):
        response = act(people[role], case.reference, "submit_emergency_report", report="r")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    # when
    response = act(people["head_sales"], case.reference, "submit_emergency_report", report="Typhoon: 40 claims.")
    # then
    assert response.status_code == 200, response.json()
    row = emergency_row(case)
    assert row.met_at is not None and row.met_at <= row.due_at
    case.refresh_from_db()
    assert case.emergency_report == "Typhoon: 40 claims." and case.emergency_reported_at is not None
    assert "submit_emergency_report" not in response.json()["allowed_actions"]
    # the notifications it answered are done
    assert not Notification.objects.filter(kind="major_complaint", resolved_at__isnull=True).exists()


def test_no_emergency_report_is_owed_on_a_case_not_marked_major(people):
    case = ComplaintFactory(investigating=True)
    response = act(people["senior"], case.reference, "submit_emergency_report", report="r")
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"


def test_an_overdue_emergency_report_goes_to_the_head_then_the_supervisors_once(people):
    # given: a case marked major on Monday 2026-11-02 at 10:00, due Tuesday 10:00
    with frozen_now(local_dt("2026-11-02", 9)):
        case = ComplaintFactory(investigating=True, received_at=local_dt("2026-11-02", 8))
    with frozen_now(local_dt("2026-11-02", 10)):
        assert act(people["clerk"], case.reference, "mark_major", reason="media").status_code == 200
    # the head is reminded of it at once (the policy reminds a working day ahead)
    with frozen_now(local_dt("2026-11-02", 10, 5)):
        assert run_sweep()["reminded"] >= 1
    assert Notification.objects.filter(kind="deadline_reminder", recipient=people["head_sales"]).exists()
    # when: Tuesday 09:59 nothing is late yet; at 10:01 it is, and two sweeps tell the head once
    with frozen_now(local_dt("2026-11-03", 9, 59)):
        run_sweep()
    assert emergency_row(case).overdue_at is None
    with frozen_now(local_dt("2026-11-03", 10, 1)):
        run_sweep()
        run_sweep()
    overdue = Notification.objects.filter(kind="deadline_overdue", recipient=people["head_sales"])
    assert overdue.count() == 1
    assert Stage.EMERGENCY_REPORT in [item["stage"] for item in overdue.get().params["items"]]
    assert not Notification.objects.filter(kind="deadline_escalated_supervisor").exists()
    # and still overdue two working days later, the supervisors hear of it, once
    with frozen_now(local_dt("2026-11-06", 10)):
        run_sweep()
        run_sweep()
    escalated = Notification.objects.filter(kind="deadline_escalated_supervisor", recipient=people["supervisor"])
    assert escalated.count() == 1
    assert Stage.EMERGENCY_REPORT in [item["stage"] for item in escalated.get().params["items"]]


# -- the group ------------------------------------------------------------------------------------
def test_set_group_stores_the_count_and_the_representatives_normalised(people):
    case = ComplaintFactory(investigating=True)
    response = act(people["head_sales"], case.reference, "set_group", complainant_count=25, representatives=REPS)
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.complainant_count == 25
    assert case.representatives == [{"name": "李四", "phone": "13800138000"}, {"name": "王五", "phone": "01065123456"}]
    # the API gives the phones masked; the timeline keeps counts only
    assert response.json()["representatives"][0] == {"name": "李四", "phone": "138****8000"}
    event = CaseEvent.objects.get(case=case, kind="set_group")
    assert "13800138000" not in str(event.data) and "李四" not in str(event.data)
    assert case.history.filter(complainant_count=25).count() == 1


@pytest.mark.parametrize(("fields", "code"), [
    ({"complainant_count": 30, "representatives": REPS * 3}, "too_many_representatives"),
    ({"complainant_count": 30, "representatives": [{"name": "李四", "phone": "12345"}]}, "invalid_phone"),
    ({"complainant_count": 30, "representatives": [{"name": "", "phone": "13800138000"}]}, "invalid"),
    ({"complainant_count": 0}, "invalid"),
    ({"complainant_count": "many"}, "invalid"),
])
def test_set_group_refuses_a_bad_group_with_its_code(people, fields, code):
    case = ComplaintFactory(investigating=True)
    response = act(people["clerk"], case.reference, "set_group", **fields)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    case.refresh_from_db()
    assert (case.complainant_count, case.representatives) == (1, [])


def test_six_representatives_are_refused_five_are_accepted(people):
    case = ComplaintFactory(investigating=True)
    five = [{"name": f"代表{i}", "phone": f"1380013800{i}"} for i in range(MAX_REPRESENTATIVES)]
    six = [*five, {"name": "代表6", "phone": "13800138009"}]
    response = act(people["clerk"], case.reference, "set_group", complainant_count=40, representatives=six)
    assert response.status_code == 400 and response.json()["code"] == "too_many_representatives"
    assert response.json()["extra"]["max"] == MAX_REPRESENTATIVES
    assert act(people["clerk"], case.reference, "set_group", complainant_count=40,
               representatives=five).status_code == 200


# -- intake and the schema --------------------------------------------------------------------------
def test_the_api_intake_takes_the_group(people):
    from tests.cases.api.test_complaints_api import BODY, client_for

    response = client_for(people["clerk"]).post(URL, {**BODY, "complainant_count": 22, "representatives": REPS},
                                                 format="json")
    assert response.status_code == 201, response.json()
    case = Complaint.objects.get()
    assert case.complainant_count == 22 and [p["phone"] for p in case.representatives] == ["13800138000", "01065123456"]


@pytest.mark.parametrize(("extra", "code"), [
    ({"representatives": REPS * 3}, "too_many_representatives"),
    ({"representatives": [{"name": "李四", "phone": "abc"}]}, "invalid_phone"),
    ({"complainant_count": 0}, "invalid"),
])
def test_the_api_intake_refuses_a_bad_group_with_its_code(people, extra, code):
    from tests.cases.api.test_complaints_api import BODY, client_for

    response = client_for(people["clerk"]).post(URL, {**BODY, **extra}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not Complaint.objects.exists()


def test_the_schema_documents_the_actions_and_fields(tmp_path):
    import yaml
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schemas = yaml.safe_load(out.read_text())["components"]["schemas"]
    assert set(schemas["MajorReasonEnum"]["enum"]) == {"in_person", "emergency", "regulator", "media"}
    assert {"reason", "note"} <= set(schemas["MarkMajorTransitionRequest"]["properties"])
    assert {"complainant_count", "representatives"} <= set(schemas["SetGroupTransitionRequest"]["properties"])
    assert "report" in schemas["SubmitEmergencyReportTransitionRequest"]["properties"]
    assert {"complainant_count", "representatives"} <= set(schemas["ComplaintCreateRequest"]["properties"])
    assert {"complainant_count", "representatives", "major_reason", "major_marked_at", "emergency_report_due",
            "emergency_reported_at"} <= set(schemas["Complaint"]["properties"])


def test_the_dashboard_counts_the_open_major_complaints(people, client):
    major, closed_major = ComplaintFactory(investigating=True), ComplaintFactory(investigating=True)
    ComplaintFactory(investigating=True)
    for case in (major, closed_major):
        assert act(people["clerk"], case.reference, "mark_major", reason="media").status_code == 200
    assert act(people["clerk"], closed_major.reference, "withdraw", reason="Withdrawn.").status_code == 200
    # the emergency report of a withdrawn case is no longer tracked
    assert emergency_row(closed_major).stopped_at is not None
    client.force_login(people["supervisor"])
    response = client.get("/assessment/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["major_open"] == 1


def test_the_admin_filters_major_cases_and_masks_the_representatives(people, client):
    from django.contrib.auth import get_user_model

    major, plain = ComplaintFactory(investigating=True), ComplaintFactory(investigating=True)
    act(people["clerk"], major.reference, "set_group", complainant_count=21, representatives=REPS[:1])
    act(people["clerk"], major.reference, "mark_major", reason="regulator")
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    listing = client.get("/admin/cases/complaint/?major_reason__exact=regulator").content.decode()
    assert major.reference in listing and plain.reference not in listing
    page = client.get(f"/admin/cases/complaint/{major.pk}/change/").content.decode()
    assert "138****8000" in page and "13800138000" not in page
    history = client.get(f"/admin/cases/complaint/{major.pk}/history/")
    assert history.status_code == 200
    assert client.get("/admin/cases/deadlinepolicy/").status_code == 200


def test_a_representative_sent_back_masked_keeps_the_stored_phone(people):
    # given: a group whose representative's phone the API shows masked
    case = ComplaintFactory(investigating=True)
    shown = act(people["clerk"], case.reference, "set_group", complainant_count=21,
                representatives=REPS[:1]).json()["representatives"]
    assert shown == [{"name": "李四", "phone": "138****8000"}]
    # when: the count changes and the representative comes back as shown, a new one in full
    response = act(people["clerk"], case.reference, "set_group", complainant_count=26,
                   representatives=[*shown, {"name": "赵六", "phone": "13900139000"}])
    # then
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.representatives == [{"name": "李四", "phone": "13800138000"}, {"name": "赵六", "phone": "13900139000"}]
    # a mask that stands for no stored representative is not a phone number
    response = act(people["clerk"], case.reference, "set_group", complainant_count=26,
                   representatives=[{"name": "钱七", "phone": "138****8000"}])
    assert response.status_code == 400 and response.json()["code"] == "invalid_phone"


def test_the_set_group_form_shows_the_phones_masked(people, client):
    case = ComplaintFactory(investigating=True)
    act(people["clerk"], case.reference, "set_group", complainant_count=21, representatives=REPS[:1])
    client.force_login(people["senior"])
    form = client.get(f"/cases/{case.reference}/act/set_group/form/").content.decode()
    assert "李四, 138****8000" in form and "13800138000" not in form
