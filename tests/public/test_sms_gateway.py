"""Customer SMS through the HTTP gateway backend, against a local HTTP server that checks the
documented wire format: success records the gateway's message id, a 5xx or a timeout is retried
with the same client_ref, a 4xx fails at once; signed delivery reports record the status."""
import json
import time

import pytest
from django.urls import reverse

from cases.models import Notification, SmsDelivery
from cases.public import messaging
from cases.public.services import public_complaint_submit
from cases.public.sms_gateway import report_signature
from complaints_portal.settings import base
from tests.servers.sms_gateway import SmsGatewayServer

pytestmark = pytest.mark.django_db

SECRET = "s" * 40


@pytest.fixture
def gateway(settings):
    server = SmsGatewayServer("portal", "gw-pass")
    settings.SMS_BACKEND = "cases.public.sms_gateway.HttpSmsBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD = "portal", "gw-pass"
    settings.SMS_GATEWAY_TEMPLATES = {"received": "SMS_100001"}
    settings.SMS_GATEWAY_SIGN_NAME = "示例人寿"
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 1
    settings.SMS_GATEWAY_CALLBACK_SECRET = SECRET
    yield server
    server.stop()
    assert server.violations == []


@pytest.fixture
def sms(calendar, complaint_data):
    """The pending 'received' SMS of a complaint filed online (its delivery is run by the test)."""
    case = public_complaint_submit(data={**complaint_data, "customer_phone": "13800138000", "customer_email": ""},
                                   files=[],
                                   language="zh-hans")
    return Notification.objects.get(case=case, channel="sms")


def test_the_console_backend_stays_the_embedded_default():
    assert base.SMS_BACKEND == "cases.public.messaging.ConsoleSmsBackend"


def test_an_sms_goes_out_as_the_documented_json_and_the_message_id_is_recorded(gateway, sms):
    assert messaging.deliver(sms.pk) == "sent"

    case = sms.case
    assert gateway.requests == [{
        "client_ref": f"notification-{sms.pk}", "phone": "13800138000", "template_id": "SMS_100001",
        "params": {"reference": case.reference, "due": case.due_overall.isoformat(), "hotline": "95500",
                   "status_url": "http://127.0.0.1:8000/public/status/"},
        "text": sms.body, "sign_name": "示例人寿",
    }]
    receipt = SmsDelivery.objects.get(notification=sms)
    assert (receipt.gateway_message_id, receipt.status, receipt.status_at) == ("GW-1", "accepted", None)


@pytest.mark.parametrize(("status", "body", "delay"), [
    (503, {"error": "busy"}, 0),
    (429, {"error": "slow down"}, 0),
    (200, {"status": "accepted"}, 0),  # no message id: not a receipt
    (200, None, 3),  # slower than SMS_GATEWAY_TIMEOUT_SECONDS
])
def test_a_message_the_gateway_did_not_take_is_retried_with_the_same_client_ref(gateway, sms, status, body, delay):
    gateway.answer(status, body, delay)

    assert messaging.deliver(sms.pk) == "pending"
    sms.refresh_from_db()
    assert (sms.attempts, sms.last_error) == (1, "SmsGatewayUnavailable")
    assert not SmsDelivery.objects.exists()

    # the retry job's next attempt goes through
    assert messaging.deliver_pending() == {"sent": 1}
    assert [r["client_ref"] for r in gateway.requests] == [f"notification-{sms.pk}"] * 2
    assert SmsDelivery.objects.get(notification=sms).gateway_message_id == "GW-1"


def test_a_message_the_gateway_refuses_fails_at_once(gateway, sms):
    gateway.answer(400, {"error": "invalid phone number"})

    assert messaging.deliver(sms.pk) == "failed"
    sms.refresh_from_db()
    assert (sms.attempts, sms.last_error) == (1, "SmsGatewayRefused")
    assert messaging.deliver_pending() == {}
    assert len(gateway.requests) == 1


def test_a_message_kind_without_a_template_fails_without_calling_the_gateway(gateway, sms, settings):
    settings.SMS_GATEWAY_TEMPLATES = {"reminder": "SMS_2"}
    assert messaging.deliver(sms.pk) == "failed"
    assert gateway.requests == []


# -- delivery reports ------------------------------------------------------------------------------

def _report(client, payload, *, secret=SECRET, timestamp=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(reverse("public_sms_delivery_report"), body, content_type="application/json",
                       headers={"X-Sms-Timestamp": timestamp,
                                "X-Sms-Signature": report_signature(secret, timestamp, body)})


@pytest.fixture
def accepted(gateway, sms):
    messaging.deliver(sms.pk)
    return SmsDelivery.objects.get(notification=sms)


def test_a_signed_delivery_report_records_the_status(client, accepted):
    response = _report(client, {"message_id": "GW-1", "status": "delivered", "at": "2026-12-07T10:00:05+08:00"})

    assert response.status_code == 204
    accepted.refresh_from_db()
    assert (accepted.status, accepted.status_at.isoformat()) == ("delivered", "2026-12-07T02:00:05+00:00")
    assert accepted.reported_at is not None
    # a report older than the status recorded changes nothing; a repeat is harmless
    assert _report(client, {"message_id": "GW-1", "status": "undelivered", "at": "2026-12-07T09:00:00+08:00",
                            "error_code": "E1"}).status_code == 204
    assert _report(client, {"message_id": "GW-1", "status": "delivered", "at": "2026-12-07T10:00:05+08:00"}).status_code == 204
    accepted.refresh_from_db()
    assert (accepted.status, accepted.error_code) == ("delivered", "")


def test_an_undelivered_report_keeps_the_gateway_error_code(client, accepted):
    assert _report(client, {"message_id": "GW-1", "status": "undelivered", "error_code": "UNDELIV:EXPIRED"}).status_code == 204
    accepted.refresh_from_db()
    assert (accepted.status, accepted.error_code) == ("undelivered", "UNDELIV:EXPIRED")


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"secret": "x" * 40}, 403),  # signed with another secret
    ({"timestamp": int(time.time()) - 3600}, 403),  # an old report replayed
    ({"timestamp": "yesterday"}, 403),
    ({"raw": b"not json"}, 400),
    ({"payload": {"message_id": "GW-1", "status": "read"}}, 400),
    ({"payload": {"message_id": "GW-1", "status": "delivered", "at": "noon"}}, 400),
    ({"payload": {"message_id": "GW-404", "status": "delivered"}}, 404),
])
def test_a_report_not_signed_with_the_secret_or_not_well_formed_is_refused(client, accepted, kwargs, status):
    payload = kwargs.pop("payload", {"message_id": "GW-1", "status": "delivered"})
    assert _report(client, payload, **kwargs).status_code == status
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


def test_an_unsigned_report_is_refused(client, accepted):
    response = client.post(reverse("public_sms_delivery_report"), {"message_id": "GW-1", "status": "delivered"},
                           content_type="application/json")
    assert response.status_code == 403
