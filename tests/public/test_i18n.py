"""The public pages and customer messages in Chinese (the default) and English."""
import pytest
from django.utils import translation

from cases.models import Complaint, Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "heading", "button"), [
    ("zh-hans", "在线投诉", "提交投诉"),
    ("en", "File a complaint", "Submit complaint"),
])
def test_form_is_rendered_in_the_chosen_language(client, language, heading, button):
    html = client.get("/public/complain/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html and button in html


def test_chinese_customer_gets_chinese_confirmation(client, calendar, complaint_data):
    client.post("/public/complain/", complaint_data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    case = Complaint.objects.get()
    sms = Notification.objects.get(case=case, channel="sms")
    email = Notification.objects.get(case=case, channel="email")
    assert sms.language == "zh-hans"
    assert f"您的投诉已受理，编号 {case.reference}" in sms.body
    assert email.subject == f"您的投诉 {case.reference} 已受理"
    assert "尊敬的王小明：" in email.body
    html = client.get("/public/complain/done/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "按照监管规定，我们将在15日内将处理结果告知您" in html


def test_english_customer_gets_english_confirmation(client, calendar, complaint_data):
    client.post("/public/complain/", complaint_data, HTTP_ACCEPT_LANGUAGE="en")
    sms = Notification.objects.get(channel="sms")
    assert sms.language == "en"
    assert sms.body.startswith("We received your complaint TS-")


def test_every_public_message_has_a_chinese_translation():
    from cases.public.lookup import CUSTOMER_STAGES

    with translation.override("zh-hans"):
        untranslated = [str(p) for p in CUSTOMER_STAGES.values() if str(p).isascii()]
    assert untranslated == []
