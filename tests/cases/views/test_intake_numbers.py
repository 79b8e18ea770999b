"""The clerk's intake form checks phone and ID numbers as every other channel does
(cases.identity), shows each failure on its field, and stores the numbers normalised."""
import pytest
from django.urls import reverse

from cases.models import Complaint

from .conftest import INTAKE


@pytest.mark.parametrize(("change", "field"), [
    ({"customer_phone": "abc123"}, "customer_phone"),
    ({"customer_phone": "12345"}, "customer_phone"),
    ({"customer_id_type": "resident_id", "customer_id_number": "11010519491231002"}, "customer_id_number"),
    ({"customer_id_type": "resident_id", "customer_id_number": "110105194912310021"}, "customer_id_number"),
    ({"customer_id_number": "E12345678"}, "customer_id_type"),
])
def test_a_bad_phone_or_id_number_is_refused_on_its_field_and_saves_nothing(login, change, field):
    response = login("clerk").post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_numbers_are_stored_normalised(login):
    response = login("clerk").post(reverse("case_create"), {
        **INTAKE, "complaint_type": "complaint", "customer_phone": "+86 138-1234-5678",
        "customer_id_type": "resident_id", "customer_id_number": "11010519491231002x"})
    assert response.status_code == 302
    case = Complaint.objects.get()
    assert (case.customer_phone, case.customer_id_number) == ("13812345678", "11010519491231002X")


def test_an_email_complaint_needs_the_address_not_a_phone(login):
    client = login("clerk")
    body = {**INTAKE, "complaint_type": "complaint", "channel": "email", "customer_phone": ""}
    refused = client.post(reverse("case_create"), body)
    assert refused.status_code == 400 and "customer_email" in refused.context["form"].errors
    assert client.post(reverse("case_create"), {**body, "customer_email": "a@example.com"}).status_code == 302
    assert client.post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", "customer_phone": ""}
                       ).context["form"].errors["customer_phone"]


def test_a_regulator_referral_without_receipt_time_was_received_on_its_transfer_date(login):
    response = login("clerk").post(reverse("case_create"), {
        **INTAKE, "complaint_type": "complaint", "channel": "regulator", "regulator_reference": "JG-1",
        "regulator_date": "2026-11-02"})
    assert response.status_code == 302
    case = Complaint.objects.get()
    assert (str(case.clock_start), str(case.regulator_date)) == ("2026-11-02", "2026-11-02")
