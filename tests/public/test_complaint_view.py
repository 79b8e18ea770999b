"""The online complaint form end to end: what is stored, what the customer sees."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, CaseEvent, Complaint, Notification
from cases.models.case import Channel, Status

from .conftest import DISGUISED, PDF

pytestmark = pytest.mark.django_db


def _stored_files():
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_form_page_renders_with_csp_and_no_inline_script(client):
    response = client.get("/public/complain/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    # Every <script> has a src; no inline handlers.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"\son[a-z]+=", html)
    assert 'class="hp-field"' in html
    assert 'enctype="multipart/form-data"' in html


def test_submitted_complaint_enters_the_intake_queue_as_online(submit):
    # when
    response = submit()
    # then
    assert response.status_code == 302
    assert response["Location"] == "/public/complain/done/"
    case = Complaint.objects.get()
    assert case.channel == Channel.ONLINE
    assert case.status == Status.RECEIVED
    assert case.registered_by is None
    assert case.department is None
    assert case.customer_phone == "13800138000"
    assert case.due_overall is not None
    assert CaseEvent.objects.filter(case=case, kind="created", data__public=True).exists()


def test_done_page_shows_reference_and_what_happens_next(client, submit):
    submit()
    case = Complaint.objects.get()
    response = client.get("/public/complain/done/")
    html = response.content.decode()
    assert case.reference in html
    assert "within 1 working day" in html
    assert "15 calendar days" in html
    assert "30 days" in html and "60 days" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_done_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/public/complain/done/")
    assert response.status_code == 302
    assert response["Location"] == "/public/complain/"


def test_confirmation_is_recorded_for_email_and_sms(submit):
    submit()
    case = Complaint.objects.get()
    rows = {n.channel: n for n in Notification.objects.filter(case=case)}
    assert set(rows) == {"email", "sms"}
    assert rows["email"].address == "wang@example.cn"
    assert rows["sms"].address == "13800138000"
    assert all(n.recipient_id is None and n.delivery == "pending" for n in rows.values())
    assert case.reference in rows["sms"].body
    assert case.due_overall.isoformat() in rows["email"].body


def test_no_email_row_without_an_address(submit):
    submit(customer_email="")
    assert list(Notification.objects.values_list("channel", flat=True)) == ["sms"]


def test_confirmation_is_delivered_after_commit(submit, django_capture_on_commit_callbacks, mailoutbox, monkeypatch):
    from cases.public import tasks

    monkeypatch.setattr(tasks.deliver_customer_message, "delay", lambda pk: tasks.deliver_customer_message.apply(args=[pk]))
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    case = Complaint.objects.get()
    assert [m.to for m in mailoutbox] == [["wang@example.cn"]]
    assert case.reference in mailoutbox[0].subject
    from cases.public.messaging import LocmemSmsBackend

    assert [m["to"] for m in LocmemSmsBackend.outbox] == ["13800138000"]
    assert set(Notification.objects.values_list("delivery", flat=True)) == {"sent"}


def test_filled_honeypot_stores_nothing_and_looks_like_success(submit):
    response = submit(website="http://spam.example")
    assert response.status_code == 200
    assert "We have received your complaint" in response.content.decode()
    assert Complaint.objects.count() == 0
    assert Notification.objects.count() == 0


def test_valid_attachment_is_stored_with_the_case(submit):
    response = submit(attachments=[SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf")])
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.case == Complaint.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.uploaded_by is None


def test_disguised_attachment_is_refused_and_nothing_is_stored(submit):
    before = _stored_files()
    response = submit(attachments=[
        SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("invoice.pdf", DISGUISED, content_type="application/pdf"),
    ])
    assert response.status_code == 200
    html = response.content.decode()
    assert "invoice.pdf: This file type is not accepted" in html
    assert Complaint.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Notification.objects.count() == 0
    assert _stored_files() == before


def test_too_many_attachments_are_refused(submit, settings):
    settings.PUBLIC_MAX_ATTACHMENTS = 1
    files = [SimpleUploadedFile(f"p{i}.pdf", PDF) for i in range(2)]
    response = submit(attachments=files)
    assert "Attach at most 1 files." in response.content.decode()
    assert Complaint.objects.count() == 0


def test_oversized_attachment_is_refused(submit, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = submit(attachments=[SimpleUploadedFile("p.pdf", PDF)])
    assert "larger than" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_oversized_field_is_refused_with_a_message(submit):
    response = submit(summary="长" * 201)
    assert response.status_code == 200
    assert "Please correct the fields marked below." in response.content.decode()
    assert Complaint.objects.count() == 0


def test_missing_calendar_refuses_the_complaint_and_stores_nothing(client, complaint_data):
    # No covered calendar year: the deadlines cannot be computed, so nothing may be saved.
    response = client.post("/public/complain/", {**complaint_data,
                                                 "attachments": [SimpleUploadedFile("p.pdf", PDF)]})
    assert response.status_code == 200
    assert "We cannot register complaints online at the moment" in response.content.decode()
    assert Complaint.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Notification.objects.count() == 0


def test_script_in_text_fields_is_rendered_inert(client, submit):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    submit(summary=payload, customer_name=payload[:100])
    case = Complaint.objects.get()
    assert case.summary == payload  # stored as given: escaping is the template's job
    html = client.get("/public/complain/done/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_script_in_a_refused_form_is_echoed_inert(submit):
    payload = '"><script>alert(1)</script>'
    html = submit(customer_name=payload, consent=None).content.decode()
    assert "<script>alert(1)" not in html
    # the quote may be written &quot; or &#34; (the field templates use Jinja2's escaping)
    assert "&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
