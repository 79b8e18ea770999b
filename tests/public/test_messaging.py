"""Customer messages: recorded once per case and kind, delivered once, retried on failure."""
import pytest
from celery.exceptions import Retry
from django.db import transaction
from django.utils import translation

from cases import notifications
from cases.models import Complaint, Notification
from cases.public import messaging, tasks
from cases.public.messaging import LocmemSmsBackend

pytestmark = pytest.mark.django_db


class FailingSmsBackend:
    def send(self, phone, text):
        raise ConnectionError(f"gateway refused {phone}")


@pytest.fixture
def case(submit):
    submit()
    return Complaint.objects.get()


def _email_row(case):
    return Notification.objects.get(case=case, channel="email")


def test_sending_the_same_kind_twice_creates_nothing_new(case):
    assert messaging.send_customer_message(case, "received") == []
    assert Notification.objects.filter(case=case).count() == 2


def test_delivering_twice_sends_one_email(case, mailoutbox):
    row = _email_row(case)
    # when the task runs twice (a duplicated message, a redelivery after a worker crash)
    first = tasks.deliver_customer_message.apply(args=[row.pk]).get()
    second = tasks.deliver_customer_message.apply(args=[row.pk]).get()
    # then
    assert (first, second) == ("sent", None)
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.delivery == "sent" and row.attempts == 1 and row.delivered_at is not None


def test_sms_goes_through_the_configured_backend_once(case):
    row = Notification.objects.get(case=case, channel="sms")
    messaging.deliver(row.pk)
    messaging.deliver(row.pk)
    assert len(LocmemSmsBackend.outbox) == 1
    assert LocmemSmsBackend.outbox[0]["to"] == "13800138000"
    assert case.reference in LocmemSmsBackend.outbox[0]["text"]


def test_failed_delivery_stays_pending_and_the_task_retries(case, settings):
    settings.SMS_BACKEND = "tests.public.test_messaging.FailingSmsBackend"
    row = Notification.objects.get(case=case, channel="sms")
    with pytest.raises(Retry):
        tasks.deliver_customer_message.apply(args=[row.pk], throw=True)
    row.refresh_from_db()
    assert row.delivery == "pending"
    assert row.attempts >= 1
    # Only the exception type is kept: the gateway's text repeats the phone number.
    assert row.last_error == "ConnectionError"


def test_retry_after_failure_delivers_exactly_once(case, settings):
    settings.SMS_BACKEND = "tests.public.test_messaging.FailingSmsBackend"
    row = Notification.objects.get(case=case, channel="sms")
    assert messaging.deliver(row.pk) == "pending"
    settings.SMS_BACKEND = "cases.public.messaging.LocmemSmsBackend"
    assert messaging.deliver(row.pk) == "sent"
    assert messaging.deliver(row.pk) is None
    messaging.deliver_pending()  # the beat job afterwards: only the email is still pending
    row.refresh_from_db()
    assert (row.delivery, row.attempts) == ("sent", 2)
    assert len(LocmemSmsBackend.outbox) == 1


def test_delivery_gives_up_after_the_maximum_attempts(case, settings):
    settings.SMS_BACKEND = "tests.public.test_messaging.FailingSmsBackend"
    row = Notification.objects.get(case=case, channel="sms")
    statuses = [messaging.deliver(row.pk) for _ in range(notifications.MAX_ATTEMPTS + 1)]
    assert statuses == ["pending"] * (notifications.MAX_ATTEMPTS - 1) + ["failed", None]
    row.refresh_from_db()
    assert row.attempts == notifications.MAX_ATTEMPTS


def test_pending_sweep_delivers_what_was_left_behind(case, mailoutbox):
    assert messaging.deliver_pending() == {"sent": 2}
    assert messaging.deliver_pending() == {}
    assert len(mailoutbox) == 1 and len(LocmemSmsBackend.outbox) == 1


def test_staff_notifications_are_not_touched(case, django_user_model):
    user = django_user_model.objects.create_user("clerk1", email="clerk1@example.cn")
    staff = Notification.objects.create(recipient=user, kind="assigned", subject="s", dedupe_key="staff:1",
                                        channel="portal")
    assert messaging.deliver(staff.pk) is None
    messaging.deliver_pending()
    staff.refresh_from_db()
    assert staff.delivery == "pending" and staff.attempts == 0


def test_rolled_back_transaction_schedules_nothing(case, django_capture_on_commit_callbacks):
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            messaging.send_customer_message(case, "received")
            raise RuntimeError
    assert callbacks == []
    assert Notification.objects.count() == 0


def test_message_is_scheduled_on_commit(case, django_capture_on_commit_callbacks, monkeypatch):
    Notification.objects.all().delete()
    scheduled = []
    monkeypatch.setattr(tasks.deliver_customer_message, "delay", scheduled.append)
    with django_capture_on_commit_callbacks(execute=True):
        rows = messaging.send_customer_message(case, "received", key_suffix=":again")
    assert sorted(scheduled) == sorted(r.pk for r in rows)


def test_message_language_is_recorded(case):
    Notification.objects.all().delete()
    with translation.override("en"):
        rows = messaging.send_customer_message(case, "received")
    assert {r.language for r in rows} == {"en"}
    rows = messaging.send_customer_message(case, "received", language="zh-hans", key_suffix=":zh")
    assert {r.language for r in rows} == {"zh-hans"}


def test_unknown_kind_is_a_programming_error(case):
    with pytest.raises(ValueError):
        messaging.send_customer_message(case, "nonsense")


@pytest.mark.parametrize(("phone", "masked"), [("13800138000", "138****8000"), ("12345", "*****")])
def test_phone_numbers_are_masked_in_logs(phone, masked):
    assert messaging.mask_phone(phone) == masked


def test_console_backend_masks_the_number(capsys):
    messaging.ConsoleSmsBackend().send("13800138000", "hello")
    out = capsys.readouterr().out
    assert "138****8000" in out and "13800138000" not in out


def test_staff_notification_sweep_leaves_customer_messages_alone(case):
    from cases import notifications

    notifications.deliver_pending()
    assert Notification.objects.get(case=case, channel="sms").delivery == "pending"
