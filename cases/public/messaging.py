"""Customer messages: email when the customer gave an address, SMS through a pluggable backend.
`send_customer_message` records one Notification per channel, in the customer's language, and
schedules delivery after the commit; `deliver` sends a pending row, retried by the task and by
the beat job."""
import logging
import sys

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from complaints_portal.common.queueing import enqueue_on_commit

from .. import notifications
from ..models import Notification
from ..notifications import attempt_delivery

logger = logging.getLogger(__name__)

CUSTOMER_CHANNELS = (Notification.Channel.EMAIL, Notification.Channel.SMS)
# Message kinds and their templates (templates/public/messages/<kind>_{subject,email,sms}.txt).
KINDS = {"received"}


def mask_phone(phone):
    """138****5678: enough to tell numbers apart in a log, not enough to call."""
    phone = phone or ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


# --- SMS backends ----------------------------------------------------------------------------

class BaseSmsBackend:
    """Interface of an SMS gateway. `send` raises on failure; the caller records and retries."""

    def send(self, phone, text):
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the message to stdout (development). The number is masked: stdout ends up in logs."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone, text):
        self.stream.write(f"SMS to {mask_phone(phone)}\n{text}\n{'-' * 40}\n")
        self.stream.flush()


class LogSmsBackend(BaseSmsBackend):
    """Writes the message to the `cases.public.sms` logger, number masked."""

    def send(self, phone, text):
        logging.getLogger("cases.public.sms").info("SMS to %s: %s", mask_phone(phone), text)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `LocmemSmsBackend.outbox` (tests), like Django's locmem mail backend."""

    outbox = []

    def send(self, phone, text):
        type(self).outbox.append({"to": phone, "text": text})


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()


def _send_sms(notification):
    """A backend with send_notification (the HTTP gateway) gets the whole row: it sends the
    message's template and parameters and records the gateway's receipt; others get the text."""
    backend = get_sms_backend()
    if hasattr(backend, "send_notification"):
        backend.send_notification(notification)
    else:
        backend.send(notification.address, notification.body)


# --- creating and delivering -----------------------------------------------------------------

def _render(kind, suffix, context):
    return render_to_string(f"public/messages/{kind}_{suffix}.txt", context).strip()


def send_customer_message(case, kind, *, language=None, context=None, key_suffix=""):
    """Record and schedule the customer message `kind` about `case` (email if given, SMS to the
    phone); idempotent by dedupe_key. Returns the rows created."""
    if kind not in KINDS:
        raise ValueError(f"unknown customer message kind {kind!r}")
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    ctx = {
        "case": case, "hotline": settings.CUSTOMER_HOTLINE,
        "status_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("public_status"),
        **(context or {}),
    }
    targets = []
    if case.customer_email:
        targets.append((Notification.Channel.EMAIL, case.customer_email))
    if case.customer_phone:
        targets.append((Notification.Channel.SMS, case.customer_phone))
    created_rows = []
    with translation.override(language):
        for channel, address in targets:
            key = f"customer:{case.pk}:{kind}{key_suffix}:{channel}"
            defaults = {
                "recipient": None, "address": address, "case": case, "kind": f"customer_{kind}",
                "channel": channel, "language": language,
                "subject": _render(kind, "subject", ctx)[:200],
                "body": _render(kind, "email" if channel == Notification.Channel.EMAIL else "sms", ctx),
            }
            try:
                with transaction.atomic():
                    row, created = Notification.objects.get_or_create(dedupe_key=key, defaults=defaults)
            except IntegrityError:  # a concurrent caller won the unique key
                created = False
            if created:
                created_rows.append(row)
                # If the broker is down the row stays pending for the beat job (deliver_pending).
                enqueue_on_commit("cases.public.tasks.deliver_customer_message", row.pk)
    return created_rows


def _send(notification):
    if notification.channel == Notification.Channel.EMAIL:
        EmailMessage(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                     [notification.address]).send()
    else:
        _send_sms(notification)


def deliver(notification_id):
    """Send one pending customer message; returns its status, or None when the row is not pending
    (or locked by another worker). A failure stays pending until MAX_ATTEMPTS."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, recipient__isnull=True, channel__in=CUSTOMER_CHANNELS,
                    delivery=Notification.Delivery.PENDING)
            .first()
        )
        if notification is None:
            return None
        # Only the exception type is kept: gateway messages often repeat the address.
        return attempt_delivery(notification, _send, describe_error=lambda exc: type(exc).__name__,
                                label="Customer message")


def deliver_pending(limit=500):
    """Retry customer messages still pending (beat); returns {status: count}."""
    customer = Notification.objects.filter(recipient__isnull=True, channel__in=CUSTOMER_CHANNELS)
    return notifications.deliver_pending(limit, rows=customer, send=deliver)


def retry_delay(retries):
    """Back-off for the task's next try: 1, 2, 4, 8 … minutes by default, at most an hour."""
    return min(settings.CUSTOMER_MESSAGE_RETRY_SECONDS * 2**retries, 3600)
