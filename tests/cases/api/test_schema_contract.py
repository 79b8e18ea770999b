"""The API schema says what the API answers: each mismatch the schema fuzz found (tests/test_schema_fuzz.py)
pinned here, the schema's statement beside the behaviour it describes."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.services.submissions import KEY_MAX_LENGTH
from tests.factories.cases import INTAKE, ComplaintFactory

pytestmark = pytest.mark.django_db

CASE = "/api/v1/complaints/{reference}/"


@pytest.fixture
def schema(people):
    client = APIClient()
    client.force_authenticate(people["clerk"])
    return client.get("/api/schema/", {"format": "json"}).json()


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _parameter(schema, path, method, name):
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)


def _component(schema, path, method, media="application/json"):
    ref = schema["paths"][path][method]["requestBody"]["content"][media]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_a_reference_with_a_control_character_is_outside_the_schema_as_the_api_refuses_it(schema, people):
    pattern = re.compile(_parameter(schema, CASE, "get", "reference")["schema"]["pattern"])
    assert pattern.search("TS-2026-000001") and pattern.search("案-1")
    assert not pattern.search("TS-2026\n-000001") and not pattern.search("a\x7f") and not pattern.search("a/b")

    response = _api(people["clerk"]).get("/api/v1/complaints/TS-2026%0A-000001/")
    assert response.status_code == 400 and response.json()["code"] == "invalid_characters"


def test_a_free_text_query_parameter_excludes_control_characters(schema):
    pattern = re.compile(_parameter(schema, "/api/v1/complaints/", "get", "department")["schema"]["pattern"])
    assert pattern.search("SALES") and pattern.search("") and not pattern.search("SA\x00LES")


def test_bodies_are_documented_as_json_and_an_upload_as_multipart(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                assert set(content) == {"application/json"}, (method, path)
    upload = schema["paths"][CASE + "attachments/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}


def test_body_text_excludes_nul_as_the_api_refuses_it(schema, people):
    note = _component(schema, "/api/v1/warning/surges/{id}/acknowledge/", "post")["properties"]["note"]
    assert not re.search(note["pattern"], "seen\x00") and re.search(note["pattern"], "已核实")
    summary = _component(schema, "/api/v1/complaints/", "post")["properties"]["summary"]
    assert summary["pattern"] == note["pattern"]

    response = _api(people["clerk"]).post("/api/v1/complaints/", {**INTAKE, "summary": "Claim\x00 paid late"},
                                          format="json")
    assert response.status_code == 400 and "summary" in response.json()["extra"]["fields"]


def test_the_transitions_body_is_required_as_every_action_needs_its_name(schema, people):
    assert schema["paths"][CASE + "transitions/"]["post"]["requestBody"]["required"] is True

    case = ComplaintFactory()
    response = _api(people["clerk"]).post(CASE.format(reference=case.reference) + "transitions/")
    assert response.status_code == 400 and "action" in response.json()["extra"]["fields"]


def test_an_amount_is_documented_without_a_sign_as_a_negative_one_is_refused(schema, people):
    components = schema["components"]["schemas"]
    amounts = [c["properties"]["redress_amount"] for name, c in components.items()
               if name.endswith("TransitionRequest") and "redress_amount" in c.get("properties", {})]
    assert amounts and all(not re.search(a["pattern"], "-1.00") and re.search(a["pattern"], "120.00")
                           for a in amounts)

    case = ComplaintFactory(investigating=True)
    response = _api(people["inv_sales"]).post(CASE.format(reference=case.reference) + "transitions/", {
        "action": "propose_plan", "plan": "Pay.", "redress_amount": "-1.00"}, format="json")
    assert response.status_code == 400 and "redress_amount" in response.json()["extra"]["fields"]


@pytest.mark.parametrize(("key", "valid"), [
    ("3f2b-uuid", True), ("k" * KEY_MAX_LENGTH, True), ("k" * (KEY_MAX_LENGTH + 1), False), ("a b", False),
    ("键", False), ("", False),
])
def test_the_idempotency_key_pattern_is_the_rule_the_api_checks(schema, people, key, valid):
    pattern = _parameter(schema, "/api/v1/complaints/", "post", "Idempotency-Key")["schema"]["pattern"]
    assert bool(re.search(pattern, key)) is valid


def test_an_upload_is_documented_as_a_non_empty_file_as_an_empty_one_is_refused(schema, people):
    upload = _component(schema, CASE + "attachments/", "post", "multipart/form-data")
    assert upload["properties"]["file"]["minLength"] == 1

    case = ComplaintFactory()
    response = _api(people["clerk"]).post(CASE.format(reference=case.reference) + "attachments/",
                                          {"file": SimpleUploadedFile("empty.pdf", b"")}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["extra"]["fields"]


def test_the_list_and_the_registration_link_to_every_operation_on_one_case(schema):
    targets = {op["operationId"] for path, methods in schema["paths"].items()
               if path.startswith(CASE) and re.findall(r"{(\w+)}", path) == ["reference"]
               for op in methods.values()}
    collection = schema["paths"]["/api/v1/complaints/"]
    for method, status, where in (("post", "201", "$response.body#/reference"),
                                  ("get", "200", "$response.body#/results/0/reference")):
        links = collection[method]["responses"][status]["links"]
        assert set(links) == targets and len(targets) >= 7
        assert all(link["parameters"] == {"reference": where} for link in links.values())


@pytest.mark.parametrize("value", ["yes", "7.1e16", "2"])
def test_the_overdue_filter_refuses_a_value_other_than_true_or_false(people, value):
    response = _api(people["clerk"]).get("/api/v1/complaints/", {"overdue": value})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "overdue" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("value", ["true", "false", "True", "1", "0", ""])
def test_the_overdue_filter_reads_true_and_false(people, value):
    assert _api(people["clerk"]).get("/api/v1/complaints/", {"overdue": value}).status_code == 200
