"""The writes of email intake without a mail server: what a reply to a merged or archived case
becomes, and retention reaching the mails a case received."""
import datetime

import pytest
from django.utils import timezone

from cases import retention
from cases.inbound.imap import FetchedMail
from cases.inbound.services import Outcome, mail_take
from cases.models import Complaint, InboundMail
from complaints_portal.common.channel_settings import Mailbox
from tests.factories import cases as f
from tests.servers.dovecot import make_mail

pytestmark = pytest.mark.django_db

BOX = Mailbox(host="mail.insurer.example", port=993, starttls=False, username="complaints", password="x")


def take(raw, uid=1):
    return mail_take(mailbox=BOX, uidvalidity=7, fetched=FetchedMail(uid=uid, size=len(raw),
                                                                     received_at=timezone.now(), raw=raw))


def test_a_reply_to_a_merged_case_is_filed_to_the_case_it_was_merged_into(people):
    master, duplicate = f.ComplaintFactory(), f.ComplaintFactory()
    Complaint.objects.filter(pk=duplicate.pk).update(merged_into=master)

    outcome, mail = take(make_mail(subject=f"Re: {duplicate.reference}"))

    assert (outcome, mail.case) == (Outcome.REPLY, master)


def test_a_reply_to_an_archived_case_opens_a_new_case(people):
    archived = f.ComplaintFactory(archived=True)
    outcome, mail = take(make_mail(subject=f"Re: {archived.reference}"))
    assert outcome == Outcome.NEW_CASE and mail.case != archived and mail.case.channel == "email"


def test_retention_anonymises_the_mails_of_a_case_and_their_history(people):
    # given an email case with a reply, archived, its retention date passed
    _, first = take(make_mail(), uid=1)
    case = first.case
    take(make_mail(subject=f"Re: {case.reference}", body="我的新地址是北京市朝阳区……"), uid=2)
    Complaint.objects.filter(pk=case.pk).update(status="archived", archived_at=timezone.now(),
                                                 retention_until=timezone.localdate() - datetime.timedelta(days=1))

    # when the retention job runs
    assert retention.anonymise_expired() == [case.reference]

    # then no mail of the case keeps a name, an address, a subject or a text
    for mail in InboundMail.objects.filter(case=case):
        assert (mail.sender_name, mail.sender_address, mail.subject, mail.body) == (
            retention.PLACEHOLDER, "", retention.PLACEHOLDER, "")
    for row in InboundMail.history.filter(case_id=case.pk):
        assert "王小明" not in row.sender_name and row.body == "" and row.sender_address == ""
