"""The complaint API contract (SPEC §9): create, list with filters, detail with deadlines,
transitions and their error codes, history, authentication and the schema."""
import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.actions.table import ACTIONS, PUBLIC_ACTIONS
from cases.models import AccessLog, CaseDeadline, CaseEvent, Complaint
from tests.factories.cases import ComplaintFactory, local_dt

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
DEADLINE_KEYS = {"acknowledge", "dispatch", "form_team", "report", "plan", "approval", "decision", "overall"}

BODY = {
    "channel": "hotline",
    "category": "service",
    "summary": "Claim paid late",
    "description": "The customer waited six weeks.",
    "customer": {"name": "李四", "phone": "13812345678", "id_number": "110105199001011232", "policy_number": "P-1"},
}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def act(user, reference, action, **fields):
    return client_for(user).post(f"{URL}{reference}/transitions/", {"action": action, **fields}, format="json")


# -- create ------------------------------------------------------------------------------------
def test_create_by_clerk_returns_201_with_masked_personal_data_and_deadlines(people):
    # when
    response = client_for(people["clerk"]).post(
        URL, {**BODY, "received_at": "2026-11-02T09:30:00+08:00"}, format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("TS-2026-")
    assert body["status"] == "received"
    assert body["department"] is None
    assert body["tier"] == "simple"
    assert body["customer"]["phone"] == "138****5678"
    assert body["customer"]["id_number"] == "110***********1232"
    assert "110105199001011232" not in response.content.decode()
    assert set(body["deadlines"]) == DEADLINE_KEYS
    # D0 Mon 2026-11-02: acknowledge = 1st working day after, overall = D0 + 15 = Tue 11-17.
    assert body["deadlines"]["acknowledge"] == "2026-11-03"
    assert body["deadlines"]["overall"] == "2026-11-17"
    assert body["allowed_actions"] == ["acknowledge", "assign", "withdraw", "restart_clock", "merge", "set_flags",
                                       "mediation_start", "set_group", "mark_major"]
    case = Complaint.objects.get(reference=body["reference"])
    assert case.customer_id_number == "110105199001011232"
    assert CaseEvent.objects.filter(case=case, kind="created", actor=people["clerk"]).count() == 1
    assert case.history.count() >= 1


def test_create_body_is_what_a_read_of_the_new_case_returns(people):
    # given: the 201 body is rendered from the case as saved, without reading it back
    client = client_for(people["clerk"])
    # when
    created = client.post(URL, {**BODY, "received_at": "2026-11-02T09:30:00.123456+08:00"}, format="json")
    # then
    assert created.status_code == 201
    assert created.json() == client.get(f"{URL}{created.json()['reference']}/").json()


def test_create_draws_consecutive_references_and_writes_one_history_record_with_the_due_dates(people):
    client = client_for(people["clerk"])

    first = client.post(URL, {**BODY, "received_at": "2026-11-02T09:30:00+08:00"}, format="json").json()
    second = client.post(URL, {**BODY, "received_at": "2026-11-02T09:31:00+08:00"}, format="json").json()

    assert int(second["reference"][-6:]) == int(first["reference"][-6:]) + 1
    case = Complaint.objects.get(reference=first["reference"])
    (record,) = case.history.all()
    assert (record.history_type, record.history_user, record.due_overall.isoformat(), record.next_due.isoformat()) == (
        "+", people["clerk"], "2026-11-17", "2026-11-03")
    assert (case.due_overall, case.next_due) == (record.due_overall, record.next_due)
    assert CaseDeadline.objects.filter(case=case).count() == len(DEADLINE_KEYS)


def test_create_in_a_year_without_a_counter_row_starts_at_one(people):
    from cases.models import ReferenceCounter

    ReferenceCounter.objects.filter(year=2025).delete()

    body = client_for(people["clerk"]).post(
        URL, {**BODY, "received_at": "2025-12-30T09:30:00+08:00"}, format="json").json()

    assert body["reference"] == "TS-2025-000001"
    assert ReferenceCounter.objects.get(year=2025).last == 1


def test_create_query_count_is_fixed(people, django_assert_max_num_queries):
    client = client_for(people["clerk"])
    client.post(URL, BODY, format="json")  # warm the content-type and group caches

    # the user's access (each request reads its own); policy, calendar (2), stage rules; reference; case, its
    # history record, deadline rows (one statement), the case's KPI read-model row (assessment), event;
    # savepoint and release (the test runs in a transaction); the body shows the deadline rows written
    # (not read back); the organised-complaint signals are looked up by a task after the commit
    with django_assert_max_num_queries(14):
        response = client.post(URL, {**BODY, "summary": "Second"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("role", ["inv_sales", "head_sales", "senior", "supervisor"])
def test_create_by_a_non_clerk_is_403(people, role):
    response = client_for(people[role]).post(URL, BODY, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("change", [
    {"channel": "telegram"},
    {"customer": {"name": "x"}},
    {"summary": ""},
    {"received_at": "yesterday"},
    {"channel": "regulator"},  # a regulator referral needs the regulator's reference
    {"received_at": "2030-01-01T10:00:00+08:00"},  # in the future
])
def test_create_with_bad_fields_is_400_and_saves_nothing(people, change):
    response = client_for(people["clerk"]).post(URL, {**BODY, **change}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert set(response.json()) == {"message", "code", "extra"}
    assert Complaint.objects.count() == 0


def test_create_of_a_regulator_referral_keeps_its_reference(people):
    response = client_for(people["clerk"]).post(
        URL, {**BODY, "channel": "regulator", "regulator_reference": "BJ-2026-77"}, format="json")

    assert response.status_code == 201
    assert response.json()["regulator_reference"] == "BJ-2026-77"


def test_unauthenticated_requests_are_refused(calendar):
    response = APIClient().get(URL)

    assert response.status_code in (401, 403)
    assert set(response.json()) == {"message", "code", "extra"}


def test_token_made_with_drf_create_token_authenticates(people, capsys):
    # given
    call_command("drf_create_token", "clerk")
    key = Token.objects.get(user=people["clerk"]).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # when
    response = client.post(URL, BODY, format="json")
    # then
    assert response.status_code == 201
    assert Complaint.objects.get().registered_by == people["clerk"]


# -- list and filters ----------------------------------------------------------------------------
def test_list_is_paginated_and_shows_only_visible_cases(people):
    # given
    sales = ComplaintFactory(assigned=True, department="SALES")
    cs = ComplaintFactory(assigned=True, department="CS")
    unassigned = ComplaintFactory()
    # when
    as_inv = client_for(people["inv_sales"]).get(URL).json()
    as_clerk = client_for(people["clerk"]).get(URL).json()
    # then
    assert set(as_inv) == {"count", "next", "previous", "results"}
    assert [r["reference"] for r in as_inv["results"]] == [sales.reference]
    assert as_inv["results"][0]["department"] == "SALES"
    assert as_clerk["count"] == 3
    assert {r["reference"] for r in as_clerk["results"]} == {sales.reference, cs.reference, unassigned.reference}
    assert all(r["customer"]["phone"] == "138****5678" for r in as_clerk["results"])


def test_list_filters_by_status_department_category_channel(people):
    a = ComplaintFactory(assigned=True, department="SALES")
    b = ComplaintFactory(assigned=True, department="CS", intake={"category": "product", "channel": "letter"})
    c = ComplaintFactory(intake={"channel": "letter"})
    client = client_for(people["supervisor"])

    def refs(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return {r["reference"] for r in response.json()["results"]}

    assert refs(status="assigned") == {a.reference, b.reference}
    assert refs(department="CS") == {b.reference}
    assert refs(category="product") == {b.reference}
    assert refs(channel="letter") == {b.reference, c.reference}
    assert refs(channel="letter", status="received") == {c.reference}


def test_list_filters_overdue_and_received_dates(people):
    # given: one case received in October (long overdue for acknowledgement) and one today
    old = ComplaintFactory(received_at=local_dt("2026-10-12"))
    new = ComplaintFactory()
    closed_old = ComplaintFactory(closed=True, received_at=local_dt("2026-10-13"))
    client = client_for(people["clerk"])
    # when / then
    overdue = client.get(URL, {"overdue": "true"}).json()["results"]
    assert [r["reference"] for r in overdue] == [old.reference]
    assert overdue[0]["overdue"] is True
    not_overdue = {r["reference"] for r in client.get(URL, {"overdue": "false"}).json()["results"]}
    assert not_overdue == {new.reference, closed_old.reference}
    between = client.get(URL, {"received_after": "2026-10-12", "received_before": "2026-10-12"}).json()
    assert [r["reference"] for r in between["results"]] == [old.reference]
    assert client.get(URL, {"received_after": "not-a-date"}).status_code == 400


def test_list_query_count_does_not_grow_with_cases(people, django_assert_max_num_queries):
    for department in ("SALES", "CS", "SALES", "CS", "SALES"):
        ComplaintFactory(investigating=True, department=department)
    ComplaintFactory(responded=True)
    client = client_for(people["supervisor"])
    client.get(URL)  # warm the content-type and group caches

    # the user's access (each request reads its own), count, page, the page's deadlines (one query)
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.json()["count"] == 6


# -- detail ------------------------------------------------------------------------------------
def test_detail_has_the_contract_fields_and_deadlines_from_the_deadline_rows(people):
    case = ComplaintFactory(assigned=True, received_at=local_dt("2026-11-02"))

    body = client_for(people["head_sales"]).get(f"{URL}{case.reference}/").json()

    assert body["reference"] == case.reference
    assert body["status"] == "assigned"
    assert body["department"] == "SALES"
    assert body["received_at"].startswith("2026-11-02T10:00:00")
    rows = {row.stage: row.due_on.isoformat() for row in CaseDeadline.objects.filter(case=case)}
    assert body["deadlines"] == {key: rows[key] for key in DEADLINE_KEYS}
    assert body["deadlines"]["form_team"] == "2026-11-04"
    assert body["version"] == case.version
    assert body["allowed_actions"] == ["form_team", "withdraw", "extend", "pause",
                                       "restart_clock", "merge", "set_flags", "mediation_start", "set_group",
                                       "mark_major"]


def test_detail_query_count_is_fixed(people, django_assert_max_num_queries):
    case = ComplaintFactory(plan_pending=True)
    client = client_for(people["head_sales"])
    client.get(f"{URL}{case.reference}/")

    with django_assert_max_num_queries(4):
        response = client.get(f"{URL}{case.reference}/")
    assert response.status_code == 200


def test_serializer_fields_built_once_per_class_are_fresh_for_every_instance(people):
    from cases.api.serializers import ComplaintListSerializer, ComplaintSerializer

    case = ComplaintFactory()
    first, second = ComplaintSerializer(case), ComplaintSerializer(case)

    assert list(first.fields) == list(second.fields)
    assert set(ComplaintListSerializer().fields) < set(first.fields)
    for name in ("status", "customer", "deadlines", "allowed_actions"):
        assert first.fields[name] is not second.fields[name]
        assert (first.fields[name].parent, second.fields[name].parent) == (first, second)
    assert first.data == second.data


def test_detail_of_a_missing_case_is_404_with_the_error_shape(people):
    response = client_for(people["clerk"]).get(f"{URL}TS-2026-999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# -- transitions ---------------------------------------------------------------------------------
def test_full_lifecycle_through_the_api_records_every_step(people):
    # given
    created = client_for(people["clerk"]).post(URL, BODY, format="json").json()
    ref = created["reference"]
    steps = [
        ("clerk", "acknowledge", {"method": "phone", "note": "Called back."}, "acknowledged"),
        ("clerk", "assign", {"department": "SALES"}, "assigned"),
        ("head_sales", "form_team", {"lead": "inv_sales", "members": ["inv_sales"], "recusal_attested_by": ["inv_sales"]},
         "investigating"),
        ("inv_sales", "submit_report", {"facts": "Documents lost.", "at_fault": True, "recommendation": "Pay."},
         "reported"),
        ("inv_sales", "propose_plan", {"plan": "Pay with interest.", "redress_amount": "88.50"}, "plan_pending"),
        ("head_sales", "approve_plan", {}, "plan_approved"),
        ("clerk", "notify_decision", {"method": "letter", "decision": "We pay."}, "responded"),
        ("clerk", "customer_accepts", {}, "closed"),
        ("supervisor", "archive", {}, "archived"),
    ]
    # when / then: each step returns 200 with the complaint in its new state
    version = created["version"]
    for who, action, fields, expected in steps:
        response = act(people[who], ref, action, version=version, **fields)
        assert response.status_code == 200, (action, response.json())
        body = response.json()
        assert body["status"] == expected
        assert body["version"] == version + 1
        version = body["version"]
    case = Complaint.objects.get(reference=ref)
    assert case.redress_amount == 88.5 and case.outcome == "accepted" and case.retention_until
    kinds = list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["created"] + [s[1] for s in steps]
    # every stage deadline was met
    assert not CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True).exists()
    # the history lists the events oldest first, with who did them, and field changes
    history = client_for(people["supervisor"]).get(f"{URL}{ref}/history/").json()
    events = [h for h in history if h["kind"] != "fields_changed"]
    assert [h["kind"] for h in events] == kinds
    assert events[3] == {**events[3], "actor": "head_sales", "from_status": "assigned", "to_status": "investigating"}
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    changes = [c for h in history for c in h["changes"]]
    assert {"field": "status", "old": "closed", "new": "archived"} in changes
    # an archived case is read-only
    refused = act(people["clerk"], ref, "withdraw", reason="x")
    assert refused.status_code == 409 and refused.json()["code"] == "case_archived"


def test_action_the_state_does_not_allow_is_409_and_changes_nothing(people):
    case = ComplaintFactory()

    response = act(people["senior"], case.reference, "approve_plan")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["extra"]["status"] == "received"
    case.refresh_from_db()
    assert case.status == "received" and case.version == 1
    assert not CaseEvent.objects.filter(case=case, kind="approve_plan").exists()


def test_action_the_role_may_not_do_is_403(people):
    case = ComplaintFactory(plan_pending=True)

    response = act(people["inv_sales"], case.reference, "approve_plan")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Complaint.objects.get(pk=case.pk).status == "plan_pending"


@pytest.mark.parametrize("fields", [
    {},  # reason missing
    {"reason": ""},
])
def test_missing_required_fields_are_400_naming_the_field(people, fields):
    case = ComplaintFactory(responded=True)

    response = act(people["clerk"], case.reference, "customer_disputes", **fields)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "reason" in response.json()["extra"]["fields"]


def test_unknown_action_or_wrong_types_are_400(people):
    case = ComplaintFactory(investigating=True)

    unknown = act(people["clerk"], case.reference, "teleport")
    wrong_type = act(people["inv_sales"], case.reference, "submit_report", facts="f", recommendation="r",
                     at_fault="maybe")
    unknown_user = act(people["head_sales"], ComplaintFactory(assigned=True).reference, "form_team", lead="ghost")

    assert unknown.status_code == 400 and unknown.json()["extra"]["fields"]["action"]
    assert wrong_type.status_code == 400 and "at_fault" in wrong_type.json()["extra"]["fields"]
    assert unknown_user.status_code == 400 and "lead" in unknown_user.json()["extra"]["fields"]


def test_stale_version_is_409_case_changed_with_the_current_version(people):
    case = ComplaintFactory()
    act(people["clerk"], case.reference, "acknowledge")

    response = act(people["clerk"], case.reference, "assign", department="SALES", version=1)

    assert response.status_code == 409
    assert response.json()["code"] == "case_changed"
    assert response.json()["extra"]["version"] == 2
    assert Complaint.objects.get(pk=case.pk).status == "acknowledged"


def test_review_path_through_the_api(people):
    # given: a decided case the customer disputes
    case = ComplaintFactory(responded=True)
    disputed = act(people["clerk"], case.reference, "customer_disputes", reason="Too little.")
    assert disputed.status_code == 200
    assert disputed.json()["status"] == "assigned" and disputed.json()["round"] == 2
    assert disputed.json()["review_due"]
    # when: the department head tries to form the review team
    by_head = act(people["head_sales"], case.reference, "form_team", lead="inv_cs", members=["inv_cs"])
    # and the senior manager names someone who handled round 1
    conflicted = act(people["senior"], case.reference, "form_team", lead="inv_cs", members=["inv_sales"])
    # and then people who did not
    ok = act(people["senior"], case.reference, "form_team", lead="inv_cs", members=["inv_cs", "head_cs"],
             recusal_attested_by=["inv_cs", "head_cs"])
    # then
    assert by_head.status_code == 403
    assert conflicted.status_code == 400 and conflicted.json()["code"] == "review_conflict"
    assert ok.status_code == 200 and ok.json()["status"] == "investigating"
    # the review team member from another department now sees and works the case
    report = act(people["inv_cs"], case.reference, "submit_report", facts="Rechecked.", at_fault=False,
                 recommendation="Keep the decision.")
    assert report.status_code == 200
    # the first round's decision date is kept; the review has its own deadline row
    case.refresh_from_db()
    assert case.first_notified_at is not None
    assert CaseDeadline.objects.filter(case=case, stage="review", met_at__isnull=True).exists()


def test_personal_data_reveal_through_the_api_logs_the_access(people):
    case = ComplaintFactory(assigned=True)

    response = client_for(people["inv_sales"]).post(f"{URL}{case.reference}/personal-data/",
                                                    {"field": "customer_phone"}, format="json")
    id_number = client_for(people["senior"]).post(f"{URL}{case.reference}/personal-data/",
                                                  {"field": "customer_id_number"}, format="json")

    assert response.status_code == 200 and response.json()["value"] == "13812345678"
    assert AccessLog.objects.filter(user=people["inv_sales"], case=case, field="customer_phone", via="api").count() == 1
    assert id_number.status_code == 400  # never given out in full by the API
    assert AccessLog.objects.filter(field="customer_id_number").count() == 0


def test_schema_is_served_and_documents_each_actions_body(people):
    response = client_for(people["clerk"]).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    components = schema["components"]["schemas"]
    path = schema["paths"]["/api/v1/complaints/{reference}/transitions/"]["post"]
    body = components[path["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    mapping = body["discriminator"]["mapping"]
    assert body["discriminator"]["propertyName"] == "action" and set(mapping) == set(PUBLIC_ACTIONS)
    for name in PUBLIC_ACTIONS:
        component = components[mapping[name].rsplit("/", 1)[-1]]
        row = ACTIONS[name]
        assert set(component["properties"]) == {"action", "version", *(f.name for f in row.fields)}
        assert set(component.get("required", [])) == {"action", *(f.name for f in row.fields if f.required)}
    # e.g. SPEC §9: submit_report {facts, at_fault, recommendation}
    report = components[mapping["submit_report"].rsplit("/", 1)[-1]]
    assert set(report["required"]) == {"action", "facts", "at_fault", "recommendation"}
    create = schema["paths"]["/api/v1/complaints/"]["post"]
    assert "201" in create["responses"]



def test_review_round_runs_to_a_second_decision_and_closes(people):
    # given: a review staffed by the senior manager with CS staff
    case = ComplaintFactory(responded=True)
    ref = case.reference
    act(people["clerk"], ref, "customer_disputes", reason="Too little.")
    act(people["senior"], ref, "form_team", lead="inv_cs", members=["inv_cs"], recusal_attested_by=["inv_cs"])
    # when
    steps = [
        ("inv_cs", "submit_report", {"facts": "Rechecked.", "at_fault": True, "recommendation": "Pay more."}),
        ("inv_cs", "propose_plan", {"plan": "Pay the difference."}),
        ("senior", "approve_plan", {}),
        ("inv_cs", "notify_decision", {"method": "phone", "decision": "We pay the difference."}),
        ("clerk", "customer_accepts", {}),
    ]
    for who, action, fields in steps:
        response = act(people[who], ref, action, **fields)
        assert response.status_code == 200, (action, response.json())
    # then
    case.refresh_from_db()
    assert (case.status, case.round, case.outcome) == ("closed", 2, "accepted")
    assert case.first_notified_at < case.notified_at
    assert CaseDeadline.objects.get(case=case, stage="review").met_at is not None


def test_side_paths_through_the_api_withdraw_reject_extend_merge_reassign(people):
    clerk, head = people["clerk"], people["head_sales"]
    # withdrawal
    withdrawn = ComplaintFactory(assigned=True)
    body = act(clerk, withdrawn.reference, "withdraw", reason="Customer withdrew.").json()
    assert (body["status"], body["outcome"]) == ("closed", "withdrawn")
    # reject_plan loop
    pending = ComplaintFactory(plan_pending=True)
    assert act(head, pending.reference, "reject_plan", reason="Too low.").json()["status"] == "reported"
    assert act(people["inv_sales"], pending.reference, "propose_plan", plan="More.").json()["status"] == "plan_pending"
    assert act(head, pending.reference, "approve_plan").json()["status"] == "plan_approved"
    # extension recorded too late: 409 with the due date it would have extended
    late = ComplaintFactory(investigating=True, received_at=local_dt("2026-10-09"))
    refused = act(head, late.reference, "extend", tier="complex", reason="Appraisal.")
    assert refused.status_code == 409
    assert refused.json() == {**refused.json(), "code": "extension_too_late", "extra": {"due": "2026-10-26"}}
    # extension in time
    fresh = ComplaintFactory(investigating=True)
    extended = act(head, fresh.reference, "extend", tier="complex", reason="Appraisal.").json()
    assert extended["tier"] == "complex"
    assert extended["deadlines"]["overall"] > fresh.due_overall.isoformat()
    # merge
    master, duplicate = ComplaintFactory(), ComplaintFactory()
    merged = act(clerk, duplicate.reference, "merge", into=master.reference).json()
    assert merged["merged_into"] == master.reference and merged["allowed_actions"] == []
    # reassign
    moved = act(people["supervisor"], ComplaintFactory(investigating=True).reference, "reassign",
                department="CS", reason="Claims.").json()
    assert moved["department"] == "CS"


def test_history_query_count_is_fixed(people, django_assert_max_num_queries):
    case = ComplaintFactory(closed=True)
    client = client_for(people["supervisor"])
    client.get(f"{URL}{case.reference}/history/")

    # the user's access, the case, its events, its history records
    with django_assert_max_num_queries(4):
        response = client.get(f"{URL}{case.reference}/history/")
    assert len(response.json()) >= 10


def test_session_authentication_works_for_reads(client, people):
    case = ComplaintFactory()
    client.force_login(people["clerk"])

    response = client.get(f"{URL}{case.reference}/")

    assert response.status_code == 200
    assert response.json()["reference"] == case.reference
