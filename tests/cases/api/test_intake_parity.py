"""API intake parity (SPEC §14): POST /api/v1/complaints/ takes every field of the clerk's
intake form, checks it by the same rules (codes invalid_phone, invalid_id_number, invalid),
and documents each field in the schema."""
import pytest
from django.core.management import call_command

from cases.api.intake_serializers import ComplaintCreateSerializer
from cases.forms import IntakeForm
from cases.models import Complaint

from .test_complaints_api import BODY, URL, client_for

pytestmark = pytest.mark.django_db

FULL = {
    "channel": "regulator", "category": "misconduct", "misconduct_kind": "mis_selling", "dispute_type": "sales",
    "product_line": "whole life", "summary": "Sold as a deposit", "description": "Told it was a savings account.",
    "expected_resolution": "Full refund", "complaint_type": "complaint",
    "regulator_reference": "JG-2026-88", "regulator_date": "2026-11-02",
    "customer": {"name": "王五", "phone": "010-6512 3456", "email": "w@example.com", "address": "北京市东城区",
                 "id_type": "passport",
                 "id_number": "E12345678", "policy_number": "P-1, P-2", "flags": ["language_barrier"],
                 "needs": "Interpreter"},
    "agent": {"name": "王小五", "relation": "son", "authorisation": "power of attorney"},
}


def test_every_field_of_the_intake_form_has_its_place_in_the_api_body():
    serializer = ComplaintCreateSerializer(data={**FULL, "received_at": "2026-11-02T09:00:00+08:00"})
    assert serializer.is_valid(), serializer.errors
    # The form's one-time token has its API counterpart in the Idempotency-Key header.
    assert set(IntakeForm.base_fields) - {"submission_token"} <= set(serializer.intake_data())


def test_a_full_body_registers_the_case_with_every_field(people):
    response = client_for(people["clerk"]).post(URL, FULL, format="json")
    assert response.status_code == 201, response.json()
    case = Complaint.objects.get()
    assert (case.misconduct_kind, case.dispute_type, case.product_line, case.agent_name, case.agent_relation,
            case.agent_authorisation, case.customer_email, case.customer_id_type, case.customer_id_number,
            case.customer_phone, case.policy_numbers, case.customer_address) == (
        "mis_selling", "sales", "whole life", "王小五", "son", "power of attorney", "w@example.com", "passport",
        "E12345678", "01065123456", "P-1, P-2", "北京市东城区")
    # A regulator referral without received_at was received on its transfer date.
    assert (str(case.clock_start), str(case.regulator_date)) == ("2026-11-02", "2026-11-02")


@pytest.mark.parametrize(("customer", "code", "field"), [
    ({"phone": "abc123"}, "invalid_phone", "customer_phone"),
    ({"phone": "12345"}, "invalid_phone", "customer_phone"),
    ({"id_number": "11010519491231002"}, "invalid_id_number", "customer_id_number"),  # 17 digits
    ({"id_type": "hk_macao", "id_number": "12345"}, "invalid_id_number", "customer_id_number"),
    ({"phone": ""}, "invalid", "customer_phone"),
])
def test_bad_numbers_are_refused_with_their_code_as_on_the_form(people, customer, code, field):
    body = {**BODY, "customer": {**BODY["customer"], **customer}}
    response = client_for(people["clerk"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["extra"]["fields"]
    assert not Complaint.objects.exists()


def test_an_email_complaint_needs_no_phone_as_on_the_form(people):
    body = {**BODY, "channel": "email", "customer": {"name": "N", "email": "n@example.com"}}
    assert client_for(people["clerk"]).post(URL, body, format="json").status_code == 201


def test_misconduct_needs_its_kind_as_on_the_form(people):
    response = client_for(people["clerk"]).post(URL, {**BODY, "category": "misconduct"}, format="json")
    assert response.status_code == 400 and "misconduct_kind" in response.json()["extra"]["fields"]


def test_the_schema_documents_every_intake_field(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate")
    import yaml

    schemas = yaml.safe_load(out.read_text())["components"]["schemas"]
    assert {"misconduct_kind", "dispute_type", "product_line", "agent", "regulator_date", "received_at"} <= set(
        schemas["ComplaintCreateRequest"]["properties"])
    assert {"phone", "email", "address", "id_type", "id_number"} <= set(schemas["CustomerInputRequest"]["properties"])
    assert {"name", "relation", "authorisation"} <= set(schemas["AgentInputRequest"]["properties"])
