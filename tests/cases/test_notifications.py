"""Notification service, email delivery with retries, and the bell page."""
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cases import notifications
from cases.models import Notification
from cases.notifications import deliver, deliver_pending, notify
from tests.factories.calendar import make_user

pytestmark = pytest.mark.django_db


def test_notify_twice_with_the_same_key_creates_one_notification_and_schedules_one_delivery(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("cases.tasks.deliver_notification.delay", sent.append)
    user = make_user("u")
    with django_capture_on_commit_callbacks(execute=True):
        first, created1 = notify(user, "test", "Subject", "Body", dedupe_key="k1")
        second, created2 = notify(user, "test", "Other", "Body", dedupe_key="k1")
    assert (created1, created2) == (True, False)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert sent == [first.pk]


def test_deliver_sends_the_email_once_and_records_it():
    user = make_user("u")
    n, _ = notify(user, "test", "Overdue: TS-1", "Body", dedupe_key="k")
    assert deliver(n.pk) == "sent"
    assert deliver(n.pk) is None  # no longer pending
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["u@example.com"]
    n.refresh_from_db()
    assert n.delivery == "sent" and n.attempts == 1 and n.delivered_at


def test_failed_email_stays_pending_with_the_error_and_fails_after_max_attempts(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    n, _ = notify(make_user("u"), "test", "S", "B", dedupe_key="k")
    assert deliver_pending() == {"pending": 1}
    n.refresh_from_db()
    assert n.delivery == "pending" and n.attempts == 1 and "mail server down" in n.last_error
    for _i in range(notifications.MAX_ATTEMPTS - 1):
        deliver_pending()
    n.refresh_from_db()
    assert n.delivery == "failed" and n.attempts == notifications.MAX_ATTEMPTS
    assert deliver_pending() == {}


def test_user_without_email_is_skipped_but_still_sees_the_bell():
    n, _ = notify(make_user("u", email=False), "test", "S", dedupe_key="k")
    assert deliver(n.pk) == "skipped"
    assert mail.outbox == []


def test_bell_page_lists_own_notifications_and_marks_one_read():
    # given
    user, other = make_user("u"), make_user("o")
    mine, _ = notify(user, "test", "Mine", dedupe_key="a")
    theirs, _ = notify(other, "test", "Theirs", dedupe_key="b")
    client = Client()
    client.force_login(user)
    # when
    page = client.get(reverse("notifications"))
    # then
    assert page.status_code == 200
    assert b"Mine" in page.content and b"Theirs" not in page.content
    assert page.context["unread_notifications"] == 1
    # when marking read, including someone else's id
    response = client.post(reverse("notifications"), {"id": [mine.pk, theirs.pk]})
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_mark_all_read_needs_a_csrf_token():
    user = make_user("u")
    notify(user, "test", "S", dedupe_key="a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("notifications"), {"all": "1"}).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    page = client.get(reverse("notifications"))
    client.post(reverse("notifications"), {"all": "1", "csrfmiddlewaretoken": page.context["csrf_token"]})
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_bell_page_needs_login():
    assert Client().get(reverse("notifications")).status_code == 302
