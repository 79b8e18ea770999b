"""The intake form, the duplicate warning and the public complaint form."""
from django.urls import reverse

from cases.models import Complaint

from .conftest import INTAKE


def test_intake_form_is_for_clerks_only(login):
    assert login("inv_sales").get(reverse("case_create")).status_code == 403
    page = login("clerk").get(reverse("case_create")).content.decode()
    assert "autofocus" in page and 'data-show-when="channel=regulator"' in page


def test_regulator_referral_needs_the_regulator_reference(login):
    client = login("clerk")
    response = client.post(reverse("case_create"), {**INTAKE, "channel": "regulator", "complaint_type": "complaint"})
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    response = client.post(reverse("case_create"), {**INTAKE, "channel": "regulator", "complaint_type": "complaint",
                                                    "regulator_reference": "JG-2026-17", "regulator_date": "2026-01-05"})
    assert response.status_code == 302
    case = Complaint.objects.get()
    assert (case.channel, case.regulator_reference, case.registered_by.username) == ("regulator", "JG-2026-17", "clerk")


def test_misconduct_needs_its_kind(login):
    response = login("clerk").post(reverse("case_create"), {**INTAKE, "category": "misconduct", "complaint_type": "complaint"})
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_duplicate_warning_by_phone_or_policy_posted_not_in_the_url(login, make_case):
    existing = make_case()
    client = login("clerk")
    url = reverse("duplicate_check")
    assert "1381" not in url
    hit = client.post(url, {"customer_phone": INTAKE["customer_phone"]}, HTTP_HX_REQUEST="true").content.decode()
    assert existing.reference in hit
    by_policy = client.post(url, {"policy_numbers": "X-1, P2026-0001"}).content.decode()
    assert existing.reference in by_policy
    assert existing.reference not in client.post(url, {"customer_phone": "13000000000"}).content.decode()
    assert client.get(url).status_code == 405


def test_complain_leads_to_the_public_complaint_form_without_login(client, org):
    response = client.get(reverse("public_complaint"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public_complaint_form")
