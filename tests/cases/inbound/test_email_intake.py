"""Email intake against a real IMAPS server (dovecot, started by the test run): a new mail
becomes an email case awaiting its category, a reply is filed to its case, each mail is taken
once, an unreadable mail stays where it is and is reported once."""
import html

import pytest
from django.urls import reverse

from cases.inbound.tasks import read_mailboxes
from cases.models import Complaint, InboundMail, Notification, UnreadableMail
from complaints_portal.common.roles import ADMINISTRATOR
from tests.factories import cases as f
from tests.public.conftest import DISGUISED, PDF
from tests.servers.dovecot import make_mail

pytestmark = pytest.mark.django_db

BROKEN = (b"From: a@example.cn\r\nSubject: broken\r\nMessage-ID: <broken@example.cn>\r\n"
          b"Content-Type: multipart/mixed; boundary=\"zzz\"\r\n\r\nthe parts never start\r\n")


def test_without_a_mailbox_the_job_does_nothing(settings):
    settings.EMAIL_INTAKE_MAILBOXES = []
    assert read_mailboxes() == {}


def test_a_new_mail_becomes_an_email_case_awaiting_its_category_and_leaves_the_inbox(mailbox, people):
    # given a customer's mail with a PDF and an executable disguised as one
    mailbox.deliver(make_mail(attachments=[("保单.pdf", PDF, "application", "pdf"),
                                           ("发票.pdf", DISGUISED, "application", "pdf")]))

    # when the beat job runs
    result = read_mailboxes()

    # then one case in channel email, registered by no one, under the default category
    assert result == {mailbox.config.label: {"new_case": 1}}
    case = Complaint.objects.get()
    assert (case.channel, case.category, case.status, case.registered_by) == ("email", "service", "received", None)
    assert (case.customer_name, case.customer_email, case.customer_phone) == ("王小明", "wang@example.cn", "")
    assert (case.summary, case.description) == ("理赔款迟迟未到账", "2026年10月提交理赔材料，至今未收到款项。")
    assert case.due_overall is not None and case.deadlines.exists()
    # the PDF passed the upload checks, the executable did not and is listed as refused
    mail = InboundMail.objects.get()
    assert mail.kind == "new_case" and mail.awaiting_classification and mail.case == case
    assert [(a.original_name, a.content_type) for a in mail.attachments.all()] == [("保单.pdf", "application/pdf")]
    assert [r["name"] for r in mail.refused_attachments] == ["发票.pdf"]
    assert list(case.events.values_list("kind", flat=True)) == ["created", "attachment", "mail_received"]
    assert mail.history.count() == 1
    # and the mail moved to the processed folder, unchanged
    assert mailbox.inbox() == []
    assert [InboundMail.objects.get().message_id.encode() in raw for raw in mailbox.processed()] == [True]


def test_the_clerk_sees_the_email_case_in_the_intake_queue_and_confirms_its_category(mailbox, people, client):
    mailbox.deliver(make_mail())
    read_mailboxes()
    case = Complaint.objects.get()
    client.force_login(people["clerk"])
    queue = client.get(reverse("intake_queue")).content.decode()
    assert "Complaints by email whose category is to be confirmed" in queue and case.reference in queue
    page = html.unescape(client.get(reverse("case_detail", args=[case.reference])).content.decode())
    assert "Email correspondence" in page and "Category to be confirmed" in page
    assert "Read from a complaint mailbox" in page

    response = client.post(reverse("email_case_classify", args=[case.reference]),
                           {"category": "product", "dispute_type": "claims"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.category, case.dispute_type, case.version) == ("product", "claims", 2)
    assert case.history.first().category == "product" and case.history.first().history_user == people["clerk"]
    assert case.events.filter(kind="classified", actor=people["clerk"], data__before="service").exists()
    assert InboundMail.objects.get().classified_by == people["clerk"]
    assert "category is to be confirmed" not in client.get(reverse("intake_queue")).content.decode()
    # once confirmed, it is an ordinary case: a second confirmation is refused
    client.post(reverse("email_case_classify", args=[case.reference]), {"category": "service"})
    case.refresh_from_db()
    assert case.category == "product"


def test_only_a_clerk_confirms_the_category(mailbox, people, client):
    mailbox.deliver(make_mail())
    read_mailboxes()
    case = Complaint.objects.get()
    client.force_login(people["senior"])
    assert client.post(reverse("email_case_classify", args=[case.reference]), {"category": "product"}).status_code == 403
    client.force_login(people["inv_sales"])  # not dispatched yet: not SALES's case
    assert client.post(reverse("email_case_classify", args=[case.reference]), {"category": "product"}).status_code == 404
    assert Complaint.objects.get().category == "service"


def test_a_reply_carrying_the_reference_is_filed_to_its_case_and_the_clerks_told(mailbox, people, client):
    # given an email case
    mailbox.deliver(make_mail())
    read_mailboxes()
    case = Complaint.objects.get()

    # when the customer replies with the reference in the subject, and someone else writes too
    mailbox.deliver(make_mail(subject=f"Re: 您的投诉 {case.reference} 已受理", body="补充材料见附件。",
                              attachments=[("收据.pdf", PDF, "application", "pdf")]))
    mailbox.deliver(make_mail(sender="李四 <li@example.cn>", subject=f"关于{case.reference}", body="我是代理人。"))
    assert read_mailboxes() == {mailbox.config.label: {"reply": 2}}

    # then no new case: both are the case's correspondence, the stranger's marked
    assert Complaint.objects.count() == 1
    replies = list(InboundMail.objects.filter(kind="reply").order_by("id"))
    assert [(r.case, r.sender_is_customer) for r in replies] == [(case, True), (case, False)]
    assert replies[0].attachments.get().original_name == "收据.pdf"
    assert case.events.filter(kind="mail_reply").count() == 2
    # whoever works on the case now (no team, no department yet: the intake clerks) is told
    assert Notification.objects.filter(kind="mail_reply", recipient=people["clerk"], case=case).count() == 2
    client.force_login(people["clerk"])
    page = html.unescape(client.get(reverse("case_detail", args=[case.reference])).content.decode())
    assert "补充材料见附件。" in page and "not from the customer's address" in page


def test_a_reference_of_no_open_case_makes_a_new_case(mailbox, people):
    mailbox.deliver(make_mail(subject="Re: TS-2020-999999"))
    assert read_mailboxes() == {mailbox.config.label: {"new_case": 1}}
    assert Complaint.objects.get().summary == "Re: TS-2020-999999"


def test_running_twice_takes_each_mail_once(mailbox, people):
    for n in range(3):
        mailbox.deliver(make_mail(subject=f"投诉 {n}"))
    assert read_mailboxes() == {mailbox.config.label: {"new_case": 3}}
    assert read_mailboxes() == {mailbox.config.label: {}}
    assert Complaint.objects.count() == InboundMail.objects.count() == 3
    assert (len(mailbox.inbox()), len(mailbox.processed())) == (0, 3)


def test_a_mail_taken_but_not_moved_is_only_moved_by_the_next_run(mailbox, people):
    # given a mail taken, and the same mail back in the inbox, as a run killed between its
    # commit and the move leaves it
    raw = make_mail()
    mailbox.deliver(raw)
    read_mailboxes()
    mailbox.deliver(raw)

    assert read_mailboxes() == {mailbox.config.label: {"known": 1}}

    assert Complaint.objects.count() == 1
    assert (len(mailbox.inbox()), len(mailbox.processed())) == (0, 2)


def test_an_unreadable_mail_stays_in_the_mailbox_and_is_reported_once(mailbox, people, client):
    # given a malformed mail before a good one, a supervisor and an administrator
    admin = f.UserFactory(username="admin", roles=[ADMINISTRATOR], is_staff=True, is_superuser=True)
    mailbox.deliver(BROKEN)
    mailbox.deliver(make_mail())

    # when the job runs twice
    first, second = read_mailboxes(), read_mailboxes()

    # then the good mail is taken, the broken one left where it was, reported and counted
    assert first == {mailbox.config.label: {"unreadable": 1, "new_case": 1}}
    assert second == {mailbox.config.label: {}}
    assert mailbox.inbox() == [BROKEN]
    report = UnreadableMail.objects.get()
    assert (report.reason, report.message_id, report.times_seen, report.resolved_at) == (
        "broken", "<broken@example.cn>", 2, None)
    # the supervisor and the administrator were told once, not at every run
    told = Notification.objects.filter(kind="mail_unreadable").values_list("recipient__username", flat=True)
    assert sorted(told) == ["admin", "supervisor"]
    client.force_login(admin)
    listing = client.get(reverse("admin:cases_unreadablemail_changelist")).content.decode()
    assert "Broken MIME structure" in listing

    # when someone handles it by hand and removes it, the next run resolves the report
    mailbox.empty_inbox()
    read_mailboxes()
    assert UnreadableMail.objects.get().resolved_at is not None


def test_a_mail_over_the_size_limit_is_not_downloaded_but_reported(mailbox, people, settings):
    settings.EMAIL_INTAKE_MAX_MB = 1
    mailbox.deliver(make_mail(attachments=[("big.pdf", PDF + b"0" * 1_200_000, "application", "pdf")]))
    assert read_mailboxes() == {mailbox.config.label: {"unreadable": 1}}
    assert UnreadableMail.objects.get().reason == "too_large"
    assert Complaint.objects.count() == 0 and len(mailbox.inbox()) == 1


def test_a_server_whose_certificate_is_not_trusted_is_not_read(mailbox, people, settings):
    settings.EMAIL_INTAKE_CA_FILE = ""  # the system's CAs do not know the test run's certificate
    mailbox.deliver(make_mail())
    assert read_mailboxes() == {mailbox.config.label: {"error": 1}}
    assert Complaint.objects.count() == 0 and len(mailbox.inbox()) == 1


def test_a_wrong_password_leaves_the_mails_for_later(mailbox, people, settings):
    settings.EMAIL_INTAKE_MAILBOXES = [mailbox.server.mailbox(mailbox.config.username, "wrong")]
    mailbox.deliver(make_mail())
    assert list(read_mailboxes().values()) == [{"error": 1}]
    assert len(mailbox.inbox()) == 1
