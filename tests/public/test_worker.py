"""Customer message delivery through a real Celery worker on the configured broker: duplicated
task messages and a failing gateway still give exactly one message per notification."""
import time

import pytest
from django.conf import settings
from django.core import mail

from cases.models import CalendarYear, Notification
from cases.public import messaging, tasks
from cases.public.services import public_complaint_submit

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(settings.CELERY_BROKER_URL.startswith("filesystem://"),
                       reason="needs a real broker (set CELERY_BROKER_URL)"),
    # The worker thread has its own database connection: data must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class FlakySmsBackend:
    """Fails the first send, then works: the task must retry, and deliver once."""

    calls = []

    def send(self, phone, text):
        type(self).calls.append(phone)
        if len(type(self).calls) == 1:
            raise ConnectionError("gateway timeout")


def _wait_until_delivered(timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Notification.objects.filter(delivery=Notification.Delivery.PENDING).exists():
            return
        time.sleep(0.2)
    raise AssertionError("messages still pending after the worker ran")


def test_worker_delivers_each_message_once_despite_duplicates_and_a_failure(settings):
    from celery.contrib.testing.worker import start_worker

    from complaints_portal.celery import app

    # given a registered online complaint with an email and an SMS pending
    settings.SMS_BACKEND = "tests.public.test_worker.FlakySmsBackend"
    settings.CUSTOMER_MESSAGE_RETRY_SECONDS = 0
    FlakySmsBackend.calls.clear()
    mail.outbox = []
    for year in (2025, 2026, 2027, 2028):
        CalendarYear.objects.get_or_create(year=year)
    case = public_complaint_submit(
        data={"customer_name": "王小明", "customer_phone": "13800138000", "customer_email": "wang@example.cn",
              "category": "service", "summary": "s", "description": "d", "expected_resolution": "e"},
        files=[], language="zh-hans",
    )
    rows = list(Notification.objects.filter(case=case))
    assert len(rows) == 2
    app.control.purge()

    # when every task is published twice (a duplicated publish, a redelivery after a crash)
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"):
        for row in rows:
            tasks.deliver_customer_message.delay(row.pk)
            tasks.deliver_customer_message.delay(row.pk)
        _wait_until_delivered()
        time.sleep(1)  # let the duplicates run too

    # then one email and one SMS went out; the SMS needed a second attempt
    assert [m.to for m in mail.outbox] == [["wang@example.cn"]]
    assert FlakySmsBackend.calls == ["13800138000", "13800138000"]
    sms = Notification.objects.get(case=case, channel="sms")
    assert (sms.delivery, sms.attempts) == ("sent", 2)
    email = Notification.objects.get(case=case, channel="email")
    assert (email.delivery, email.attempts) == ("sent", 1)
    assert messaging.deliver_pending() == {}
