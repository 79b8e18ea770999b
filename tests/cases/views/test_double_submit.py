"""The clerk's intake form sent twice (a double click, a resent POST) registers one case: the
form carries a one-time token; the second POST leads to the case the first registered."""
from django.urls import reverse

from cases.models import Complaint
from tests.html import attr, element

from .conftest import INTAKE


def token_of(client):
    page = client.get(reverse("case_create")).content.decode()
    return attr(element(page, "input", name="submission_token"), "value")


def test_the_same_intake_form_posted_twice_registers_one_case_and_shows_it(login):
    client = login("clerk")
    token = token_of(client)
    assert len(token) >= 32
    # when the same form is posted twice
    first = client.post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", "submission_token": token})
    second = client.post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", "submission_token": token},
                         follow=True)
    # then one case, and the second answer is its page with a note
    case = Complaint.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("case_detail", args=[case.reference])
    assert second.redirect_chain[-1][0] == reverse("case_detail", args=[case.reference])
    assert "This form was already submitted" in second.content.decode()


def test_each_form_shown_has_its_own_token_and_registers_its_own_case(login):
    client = login("clerk")
    first, second = token_of(client), token_of(client)
    assert first != second
    for token in (first, second):
        client.post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", "submission_token": token})
    assert Complaint.objects.count() == 2


def test_a_refused_form_keeps_its_token_so_the_corrected_one_registers_once(login):
    client = login("clerk")
    token = token_of(client)
    refused = client.post(reverse("case_create"), {**INTAKE, "summary": "", "complaint_type": "complaint",
                                                   "submission_token": token})
    assert refused.status_code == 400
    assert attr(element(refused.content.decode(), "input", name="submission_token"), "value") == token
    for _ in range(2):
        client.post(reverse("case_create"), {**INTAKE, "complaint_type": "complaint", "submission_token": token})
    assert Complaint.objects.count() == 1
