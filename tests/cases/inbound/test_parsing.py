"""A mail's bytes → sender, subject, text and attachments; what cannot be read says why."""
import pytest

from cases.inbound.parsing import MailUnreadable, mail_parse
from cases.models import UnreadableMail
from tests.servers.dovecot import make_mail

HTML = """<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>
<p>保单 <b>P-2026-0001</b> 的理赔<a href="https://evil.example/">被拒</a>。</p>
<img src="x" onerror="alert(1)"><ul><li>第一点</li><li>第二点</li></ul>
<p>&lt;script&gt;是文字&lt;/script&gt;</p></body></html>"""


def test_a_plain_mail_gives_sender_subject_and_text():
    parsed = mail_parse(make_mail(message_id="<abc@example.cn>"))
    assert (parsed.sender_name, parsed.sender_address) == ("王小明", "wang@example.cn")
    assert parsed.subject == "理赔款迟迟未到账"
    assert parsed.body == "2026年10月提交理赔材料，至今未收到款项。"
    assert parsed.message_id == "<abc@example.cn>"
    assert parsed.attachments == []


def test_an_html_mail_becomes_text_without_script_style_or_markup():
    body = mail_parse(make_mail(html=HTML)).body
    assert "保单 P-2026-0001 的理赔被拒。" in body
    assert "第一点" in body and "第二点" in body
    for gone in ("alert", "color: red", "<b>", "<a", "href", "onerror", "<p>", "<img"):
        assert gone not in body
    # An escaped tag in the text stays text (the template escapes it again when shown).
    assert "<script>是文字</script>" in body


def test_a_gb2312_labelled_mail_with_gbk_characters_is_decoded():
    raw = (b"From: =?gb2312?b?1dTA9g==?= <zhao@example.cn>\r\nSubject: =?gb2312?b?zbbL3w==?=\r\n"
           b"Message-ID: <gbk@example.cn>\r\nContent-Type: text/plain; charset=gb2312\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n") + "镕基金赎回".encode("gbk")
    parsed = mail_parse(raw)
    assert (parsed.sender_name, parsed.subject, parsed.body) == ("赵丽", "投诉", "镕基金赎回")


def test_a_mail_without_message_id_is_known_by_a_digest_of_its_bytes():
    raw = b"From: a@example.cn\r\nSubject: hi\r\n\r\nbody\r\n"
    assert mail_parse(raw).message_id == mail_parse(raw).message_id
    assert mail_parse(raw).message_id.endswith("@no-message-id>")
    assert mail_parse(raw).message_id != mail_parse(raw + b"more").message_id


def test_attachments_are_returned_with_their_names_and_alternative_texts_are_not():
    raw = make_mail(attachments=[("单据.pdf", b"%PDF-1.4 x", "application", "pdf"),
                                 ("note.txt", b"plain words", "text", "plain")])
    assert mail_parse(raw).attachments == [("单据.pdf", b"%PDF-1.4 x"), ("note.txt", b"plain words")]


@pytest.mark.parametrize(("raw", "reason"), [
    (b"Subject: x\r\n\r\nno sender\r\n", UnreadableMail.Reason.NO_SENDER),
    (b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n", UnreadableMail.Reason.NO_SENDER),
    (b"From: a@example.cn\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"zzz\"\r\n\r\n"
     b"the parts never start\r\n", UnreadableMail.Reason.BROKEN),
    (b"From: a@example.cn\r\nMessage-ID: <e@x>\r\n\r\n", UnreadableMail.Reason.EMPTY),
])
def test_a_mail_that_cannot_be_read_says_why(raw, reason):
    with pytest.raises(MailUnreadable) as caught:
        mail_parse(raw)
    assert caught.value.reason == reason


def test_the_email_channel_and_the_intake_texts_are_in_the_chinese_catalogue():
    from django.utils import translation

    from cases.models.case import Channel

    with translation.override("zh-hans"):
        assert str(Channel.EMAIL.label) == "电子邮件"
        assert str(UnreadableMail.Reason.BROKEN.label) == "MIME 结构损坏：邮件部分内容缺失"
        assert translation.gettext("Email correspondence") == "电子邮件往来"
