"""Retention (SPEC §8): archived cases are read-only; expired ones are anonymised, KPIs unchanged."""
import datetime
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessment.kpi.periods import quarter_of
from assessment.models import FollowUpVisit
from cases import retention
from cases.models import Attachment, CaseEvent, Complaint, Report
from cases.services import attachment_add, case_transition
from cases.tasks import anonymise_expired_cases
from complaints_portal.common.errors import ReadOnlyCase
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
TODAY = datetime.date.today()


def png():
    return SimpleUploadedFile("张三-身份证.png", PNG, content_type="image/png")


def archived_case(people, *, expired=True, hold=False, with_attachment=True):
    """A closed case with a follow-up visit and an attachment, then archived; its retention date
    moved into the past when `expired`."""
    case = f.ComplaintFactory(closed=True, intake={"customer": {**f.INTAKE["customer"], "email": "zs@example.com"}})
    if with_attachment:
        attachment_add(actor=people["clerk"], reference=case.reference, uploaded_file=png())
    FollowUpVisit.objects.create(case=case, outcome="completed", rating=5, comment="张三 was happy",
                                 visited_at=case.closed_at)
    case_transition(actor=people["supervisor"], reference=case.reference, action="archive")
    if hold:
        case_transition(actor=people["supervisor"], reference=case.reference, action="legal_hold",
                        data={"hold": True, "reason": "Court case 2026-17"})
    retention_until = TODAY - datetime.timedelta(days=1) if expired else TODAY + datetime.timedelta(days=1)
    Complaint.objects.filter(pk=case.pk).update(retention_until=retention_until)
    return Complaint.objects.get(pk=case.pk)


def kpi_csv():
    out = io.StringIO()
    call_command("kpi_report", quarter_of(TODAY).code, "--as-of", TODAY.isoformat(), stdout=out)
    return out.getvalue()


# -- archived cases are read-only ---------------------------------------------------------------

def test_archive_sets_retention_date_years_after_archiving(people, settings):
    case = f.ComplaintFactory(archived=True)
    archived_on = timezone.localdate(case.archived_at)
    assert case.retention_until == archived_on.replace(year=archived_on.year + settings.RETENTION_YEARS)


@pytest.mark.parametrize("action,data", [
    ("close", {"reason": "again"}), ("withdraw", {"reason": "x"}), ("reassign", {"department": "CS", "reason": "x"}),
    ("archive", {}),
])
def test_archived_case_refuses_every_transition_in_the_service(people, action, data):
    case = f.ComplaintFactory(archived=True)
    with pytest.raises(ReadOnlyCase) as exc:
        case_transition(actor=people["supervisor"], reference=case.reference, action=action, data=data)
    assert exc.value.code == "case_archived"


def test_archived_case_refuses_an_attachment(people):
    case = f.ComplaintFactory(archived=True)
    with pytest.raises(ReadOnlyCase):
        attachment_add(actor=people["clerk"], reference=case.reference, uploaded_file=png())
    assert not Attachment.objects.filter(case=case).exclude(kind="letter").exists()  # the decision notice's PDF stays


def test_archived_case_refuses_html_action_and_upload(people, client):
    case = f.ComplaintFactory(archived=True)
    client.force_login(people["supervisor"])
    version = case.version
    response = client.post(reverse("case_action", args=[case.reference, "close"]),
                           {"reason": "again", "version": case.version})
    assert response.status_code in (400, 409)
    client.force_login(people["clerk"])
    response = client.post(reverse("attachment_upload", args=[case.reference]), {"file": png(), "kind": "evidence"})
    assert response.status_code in (400, 409)
    case.refresh_from_db()
    assert case.version == version and case.status == "archived"
    assert not Attachment.objects.filter(case=case).exclude(kind="letter").exists()  # the decision notice's PDF stays


def test_archived_case_refuses_api_transition(people):
    case = f.ComplaintFactory(archived=True)
    api = APIClient()
    api.force_authenticate(people["supervisor"])
    response = api.post(f"/api/v1/complaints/{case.reference}/transitions/", {"action": "withdraw", "reason": "x"},
                        format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "case_archived"


def test_archived_case_is_read_only_in_the_admin(people, admin_client):
    case = f.ComplaintFactory(archived=True)
    response = admin_client.post(reverse("admin:cases_complaint_change", args=[case.pk]),
                                 {"summary": "changed", "product_line": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.summary == f.INTAKE["summary"]


# -- anonymisation ----------------------------------------------------------------------------

def test_anonymise_expired_removes_personal_data_and_keeps_kpi_report_identical(people):
    # given an expired archived case with personal data everywhere, and the KPI report before
    case = archived_case(people)
    attachment = case.attachments.exclude(kind="letter").get()
    path = attachment.file.path
    letter = case.attachments.get(kind="letter")  # the decision notice's PDF
    letter_path = letter.file.path
    assert os.path.exists(path)
    before = kpi_csv()
    assert ",1," in before  # the case is counted

    # when the job runs
    with pytest.MonkeyPatch.context() as mp:
        callbacks = []
        mp.setattr("django.db.transaction.on_commit", lambda fn, robust=False, using=None: callbacks.append(fn))
        done = retention.anonymise_expired()
        for fn in callbacks:
            fn()

    # then personal data is gone, in the row and its history, and the statistics stay
    assert done == [case.reference]
    case.refresh_from_db()
    assert case.anonymised_at is not None
    assert case.customer_name == retention.PLACEHOLDER and case.customer_phone == "" and case.customer_email == ""
    assert case.customer_id_number == "" and case.description == "" and case.ack_note == ""
    for row in Complaint.history.filter(id=case.pk):
        assert row.customer_name in (retention.PLACEHOLDER,) and row.customer_phone == ""
        assert row.description == ""
    report = Report.objects.get(case=case)
    assert report.facts == retention.PLACEHOLDER and report.recommendation == retention.PLACEHOLDER
    assert all(h.facts == retention.PLACEHOLDER for h in Report.history.filter(id=report.pk))
    assert case.decisions.get().text == retention.PLACEHOLDER
    notice = case.notices.get()
    assert notice.title == retention.PLACEHOLDER and notice.body == ""
    assert all(h.body == "" for h in notice.history.all())
    letter.refresh_from_db()
    assert letter.removed_at is not None and not os.path.exists(letter_path)
    assert case.plans.get().text == retention.PLACEHOLDER
    assert FollowUpVisit.objects.get(case=case).comment == ""
    attachment.refresh_from_db()
    assert attachment.removed_at is not None and not os.path.exists(path)
    assert CaseEvent.objects.filter(case=case, kind="anonymised").count() == 1
    assert case.status == "archived" and case.root_cause == "process_delay" and case.at_fault is True
    assert kpi_csv() == before


def test_anonymise_is_idempotent(people):
    case = archived_case(people, with_attachment=False)
    assert retention.anonymise_expired() == [case.reference]
    version = Complaint.objects.get(pk=case.pk).version
    assert retention.anonymise_expired() == []
    assert anonymise_expired_cases() == []
    assert Complaint.objects.get(pk=case.pk).version == version
    assert CaseEvent.objects.filter(case=case, kind="anonymised").count() == 1


def test_anonymise_never_touches_a_case_on_legal_hold(people):
    case = archived_case(people, hold=True, with_attachment=False)
    assert retention.anonymise_expired() == []
    case.refresh_from_db()
    assert case.anonymised_at is None and case.customer_name == "张三"


def test_anonymise_never_touches_a_case_before_its_retention_date(people):
    case = archived_case(people, expired=False, with_attachment=False)
    assert retention.anonymise_expired() == []
    assert retention.anonymise_expired(today=case.retention_until) == []  # "until" is inclusive
    case.refresh_from_db()
    assert case.anonymised_at is None and case.customer_phone == "13812345678"
    assert retention.anonymise_expired(today=case.retention_until + datetime.timedelta(days=1)) == [case.reference]


def test_anonymise_skips_a_hold_set_after_the_case_was_listed(people, monkeypatch):
    # given a case listed as due, on which a legal hold lands before it is processed
    case = archived_case(people, with_attachment=False)
    real = retention.expired_cases

    def listed_then_held(today=None):
        qs = real(today)
        ids = list(qs.values_list("pk", flat=True))
        Complaint.objects.filter(pk=case.pk).update(legal_hold=True)
        return Complaint.objects.filter(pk__in=ids)

    monkeypatch.setattr(retention, "expired_cases", listed_then_held)
    # then the re-check under the lock skips it
    assert retention.anonymise_expired() == []
    assert Complaint.objects.get(pk=case.pk).anonymised_at is None
