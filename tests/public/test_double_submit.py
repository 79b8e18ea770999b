"""The customer's form sent twice (a double click, a reload) registers one complaint: the form
carries a one-time token, and the second POST shows the complaint the first registered."""
from cases.models import Complaint
from tests.html import attr, element


def test_the_public_form_posted_twice_registers_one_complaint_and_shows_it(client, submit):
    page = client.get("/public/complain/").content.decode()
    token = attr(element(page, "input", name="submission_token"), "value")
    # when
    first = submit(submission_token=token)
    second = submit(submission_token=token)
    # then
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    case = Complaint.objects.get()
    done = client.get(second["Location"])
    assert done.status_code == 200 and case.reference in done.content.decode()


def test_two_forms_register_two_complaints(client, submit):
    submit(submission_token="a" * 32)
    submit(submission_token="b" * 32)
    assert Complaint.objects.count() == 2
