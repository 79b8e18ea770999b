"""Correspondence and proof of notice (SPEC §10): the notices the actions issue, their PDFs with
the font embedded, the Art. 19 parts of a decision, the proof (Art. 21) and its date in the
KPIs, the notices API and the case page's panel."""
import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from assessment.kpi.rules import timeliness
from assessment.models import KpiCase
from cases.models import CaseDeadline, CaseEvent, Decision, Notice, NoticeTemplate
from cases.notices.pdf import notice_pdf
from cases.notices.proof import NoticeIncomplete
from cases.services import case_transition
from complaints_portal.common.errors import ValidationFailed
from tests.factories.cases import ComplaintFactory, local_dt

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def act(user, reference, action, **fields):
    return client_for(user).post(f"{URL}{reference}/transitions/", {"action": action, **fields}, format="json")


def pdf_of(notice):
    with notice.document.file.open("rb") as stream:
        return stream.read()


def embedded_fonts(data):
    """{base font name: whether its glyphs are in the file} of every font the PDF's pages use."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_chinese_notice_pdf_carries_its_font_and_its_text():
    # when
    data = notice_pdf("投诉处理决定告知书", "张三：\n三、处理决定：补付理赔款人民币3,000元。", "TS-2026-000001")
    # then the text comes back out, and the Chinese font is embedded (a subset), not only named
    text = pdf_text(data)
    assert "投诉处理决定告知书" in text and "补付理赔款人民币3,000元" in text
    chinese = {name: embedded for name, embedded in embedded_fonts(data).items() if "WenQuanYi" in name}
    assert chinese and all(chinese.values())


def test_the_decision_notice_states_the_art_19_parts_and_is_stored_as_a_pdf(people):
    case = ComplaintFactory(plan_approved=True)
    # when the clerk records the decision notice in Chinese, by post, with the tracking number
    response = act(people["clerk"], case.reference, "notify_decision", method="letter", decision="补付利息120元。",
                   basis="《保险合同》第十二条。", evidence="EMS 1234567890", language="zh-hans")
    # then
    assert response.status_code == 200, response.json()
    notice = Notice.objects.get(case=case)
    assert (notice.kind, notice.language, notice.method, notice.evidence) == ("decision", "zh-hans", "letter",
                                                                              "EMS 1234567890")
    assert notice.sent_at is not None and notice.document.kind == "letter"
    # the facts default from the investigation report; the remedies from the default text, in Chinese
    decision = Decision.objects.get(case=case)
    assert decision.facts == "Payment delayed by missing documents."
    assert decision.remedies.startswith("如您对本处理结果有异议，可在30日内申请核查")
    text = pdf_text(pdf_of(notice)).replace("\n", "")
    for part in ("投诉处理决定告知书", case.reference, "Payment delayed by missing documents.", "《保险合同》第十二条。",
                 "补付利息120元。", "可在30日内申请核查", "95500"):
        assert part in text
    assert all(embedded_fonts(pdf_of(notice)).get(name) for name in embedded_fonts(pdf_of(notice)) if "WenQuanYi" in name)
    assert notice.history.count() == 1


def test_a_decision_notice_without_the_art_19_parts_is_refused_and_nothing_is_written(people):
    case = ComplaintFactory(plan_approved=True)
    # when the facts are blanked out
    with pytest.raises(NoticeIncomplete) as refused:
        case_transition(actor=people["clerk"], reference=case.reference, action="notify_decision",
                        data={"method": "letter", "decision": "We pay.", "facts": "  "})
    # then
    assert refused.value.code == "decision_notice_incomplete" and refused.value.status_code == 400
    assert list(refused.value.extra["fields"]) == ["facts"]
    case.refresh_from_db()
    assert case.status == "plan_approved"
    assert not Notice.objects.filter(case=case).exists() and not Decision.objects.filter(case=case).exists()


def test_the_template_the_administrator_edited_is_the_one_sent(people):
    template = NoticeTemplate.objects.get(kind="decision", language="en")
    template.body = "Ref {reference}: {decision} / {remedies} / {facts} / {basis} / {company_name}"
    template.save()
    case = ComplaintFactory(plan_approved=True)
    # when
    act(people["clerk"], case.reference, "notify_decision", method="email", decision="We pay.", language="en")
    # then
    notice = Notice.objects.get(case=case)
    assert notice.body.startswith(f"Ref {case.reference}: We pay. / ")
    assert notice.template_version == template.history.latest().history_id


def test_extension_and_pause_notices_are_issued_by_those_actions(people):
    case = ComplaintFactory(investigating=True)
    # when
    assert act(people["head_sales"], case.reference, "extend", tier="complex",
               reason="medical records are needed").status_code == 200
    assert act(people["inv_sales"], case.reference, "pause", kind="appraisal", proof="SMS 2026-11-02",
               reason="to set the benefit rate").status_code == 200
    # then
    case.refresh_from_db()
    extension, pause = Notice.objects.filter(case=case).order_by("id")
    assert extension.kind == "extension" and "medical records are needed" in extension.body
    assert "{new_due_date}" not in extension.body and extension.sent_at is None
    assert pause.kind == "pause" and "to set the benefit rate" in pause.body
    assert "medical records are needed" in pdf_text(pdf_of(extension))


def test_a_phone_proof_needs_the_customer_reached(people):
    case = ComplaintFactory(investigating=True)
    act(people["head_sales"], case.reference, "extend", tier="complex", reason="records needed")
    notice = Notice.objects.get(case=case)
    url = f"{URL}{case.reference}/notices/{notice.pk}/proof/"
    # when the call did not reach the customer
    refused = client_for(people["clerk"]).post(url, {"method": "phone", "customer_reached": False}, format="json")
    # then
    assert refused.status_code == 400 and refused.json()["code"] == "customer_not_reached"
    notice.refresh_from_db()
    assert notice.sent_at is None
    # when it did
    sent = case.received_at + datetime.timedelta(seconds=1)
    ok = client_for(people["clerk"]).post(url, {"method": "phone", "customer_reached": True, "sent_at": sent.isoformat(),
                                                "evidence": "REC-77"}, format="json")
    # then
    assert ok.status_code == 200, ok.json()
    assert ok.json()["customer_reached"] is True and ok.json()["evidence"] == "REC-77"
    assert CaseEvent.objects.filter(case=case, kind="notice_proof").count() == 1
    assert notice.history.count() == 2


def test_an_attempt_that_did_not_reach_the_customer_is_recorded_without_proving_anything(people):
    case = ComplaintFactory(plan_approved=True)
    # when
    assert act(people["clerk"], case.reference, "notice_attempt").status_code == 200
    assert act(people["clerk"], case.reference, "notice_attempt").status_code == 200
    # then
    attempts = CaseEvent.objects.filter(case=case, kind="notice_attempt").order_by("id")
    assert [e.data["attempt"] for e in attempts] == [1, 2]
    case.refresh_from_db()
    assert case.status == "plan_approved" and not Notice.objects.filter(case=case).exists()


def test_the_notices_endpoint_lists_kind_method_sent_at_and_the_document(people):
    case = ComplaintFactory(plan_approved=True)
    act(people["clerk"], case.reference, "notify_decision", method="sms", decision="We pay.", evidence="SMS-1")
    # when
    response = client_for(people["inv_sales"]).get(f"{URL}{case.reference}/notices/")
    # then
    assert response.status_code == 200
    [row] = response.json()
    assert (row["kind"], row["method"], row["evidence"]) == ("decision", "sms", "SMS-1")
    assert row["sent_at"] is not None
    document = client_for(people["inv_sales"]).get(row["document_url"])
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    # and another department's staff does not see the case
    assert client_for(people["inv_cs"]).get(f"{URL}{case.reference}/notices/").status_code == 404


def test_the_notices_endpoint_is_in_the_schema(people):
    response = client_for(people["clerk"]).get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/complaints/{reference}/notices/" in paths
    assert "/api/v1/complaints/{reference}/notices/{notice_id}/proof/" in paths


def test_a_decision_notified_by_post_is_on_time_by_its_proofs_date(people):
    # given a case whose regulatory due date has passed
    case = ComplaintFactory(plan_approved=True, received_at=local_dt(timezone.localdate() - datetime.timedelta(days=60)))
    due = case.due_overall
    assert due < timezone.localdate()
    # when the letter, posted on the day before the due date, is recorded today
    posted = local_dt(due - datetime.timedelta(days=1), 16, 0)
    response = act(people["clerk"], case.reference, "notify_decision", method="letter", decision="We pay.",
                   sent_at=posted.isoformat(), evidence="EMS 1234567890")
    assert response.status_code == 200, response.json()
    # then the KPIs count the decision notified on the posting date: on time
    today = timezone.localdate()
    row = KpiCase.objects.annotate(t=timeliness(today)).get(pk=case.pk)
    assert row.notified_on == posted.date() and row.t == "on_time"
    assert CaseDeadline.objects.get(case=case, stage="overall").met_at == posted
    assert Decision.objects.get(case=case).notified_at == posted


def test_a_decision_recorded_late_without_an_earlier_proof_is_late(people):
    case = ComplaintFactory(plan_approved=True, received_at=local_dt(timezone.localdate() - datetime.timedelta(days=60)))
    act(people["clerk"], case.reference, "notify_decision", method="letter", decision="We pay.")
    row = KpiCase.objects.annotate(t=timeliness(timezone.localdate())).get(pk=case.pk)
    assert row.t == "late"


def test_a_corrected_proof_moves_the_kpi_date(people):
    case = ComplaintFactory(plan_approved=True, received_at=local_dt(timezone.localdate() - datetime.timedelta(days=60)))
    act(people["clerk"], case.reference, "notify_decision", method="letter", decision="We pay.")
    notice = Notice.objects.get(case=case)
    posted = local_dt(case.due_overall, 11, 0)
    # when the post office's receipt shows the letter left on the due date
    response = client_for(people["clerk"]).post(f"{URL}{case.reference}/notices/{notice.pk}/proof/", {
        "method": "letter", "sent_at": posted.isoformat(), "evidence": "EMS 99"}, format="json")
    # then
    assert response.status_code == 200, response.json()
    row = KpiCase.objects.annotate(t=timeliness(timezone.localdate())).get(pk=case.pk)
    assert row.notified_on == case.due_overall and row.t == "on_time"
    assert Decision.objects.get(case=case).notified_at == posted


def test_a_proof_dated_in_the_future_is_refused(people):
    from cases.notices.proof import proof_from

    case = ComplaintFactory(received=True)
    with pytest.raises(ValidationFailed):
        proof_from({"method": "letter", "sent_at": timezone.now() + datetime.timedelta(days=2)}, case, timezone.now())


def test_the_case_page_shows_the_notices_and_records_a_proof(people, client):
    case = ComplaintFactory(investigating=True)
    act(people["head_sales"], case.reference, "extend", tier="complex", reason="records needed")
    notice = Notice.objects.get(case=case)
    client.force_login(people["clerk"])
    # when
    page = client.get(f"/cases/{case.reference}/")
    # then
    content = page.content.decode()
    assert "Notices to the customer" in content and "No proof of notice yet." in content
    assert f"/cases/{case.reference}/notices/{notice.pk}/proof/" in content
    # when the clerk records the proof
    response = client.post(f"/cases/{case.reference}/notices/{notice.pk}/proof/", {
        "proof-method": "email", "proof-evidence": "mail id 42"})
    # then
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.method, notice.evidence) == ("email", "mail id 42") and notice.sent_at is not None
    assert "Notified on" in client.get(f"/cases/{case.reference}/").content.decode()
