"""Customer SMS through the company's SMS platform over HTTP (SPEC §14).

Sending (portal → gateway), once per attempt of a customer SMS (cases.public.messaging):

    POST SMS_GATEWAY_URL
    Authorization: Basic base64(SMS_GATEWAY_USERNAME:SMS_GATEWAY_PASSWORD)
    Content-Type: application/json; charset=utf-8

    {"client_ref": "notification-42",       the portal's id of the message, the same on every retry
     "phone": "13800138000",
     "template_id": "SMS_100001",            SMS_GATEWAY_TEMPLATES[kind of message]
     "params": {"reference": "TS-2026-000123", "due": "2026-12-22", "hotline": "95500",
                "status_url": "https://…/public/status/"},
     "text": "…",                            the portal's own wording of the message
     "sign_name": "…"}                       only when SMS_GATEWAY_SIGN_NAME is set

    2xx {"message_id": "…"}   accepted: the message id is recorded with status "accepted". A
                              gateway that sees a client_ref again answers its first message id
                              and sends nothing more (a retry after a lost answer).
    4xx (but 408, 429)        refused: the message fails at once, no retry.
    5xx, 408, 429, a timeout, no connection, a 2xx without message_id
                              not sent: retried with back-off up to MAX_ATTEMPTS.

Delivery reports (gateway → portal), one per message:

    POST /public/sms/delivery-report/
    X-Sms-Timestamp: 1765090000               Unix seconds, at most 300 s from the portal's clock
    X-Sms-Signature: hex(HMAC-SHA256(SMS_GATEWAY_CALLBACK_SECRET, timestamp + "." + body))
    {"message_id": "…", "status": "delivered" | "undelivered", "error_code": "…", "at": ISO 8601}

    204 recorded (a repeated or older report changes nothing); 400 malformed; 403 signature or
    timestamp wrong; 404 message id unknown (not recorded yet: the gateway may send it again).
"""
import hashlib
import hmac
import json
import logging
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import SmsDelivery
from ..notifications import PermanentDeliveryError
from .messaging import BaseSmsBackend, mask_phone

logger = logging.getLogger(__name__)

REPORT_MAX_AGE_SECONDS = 300
# Refusals that say "not now" rather than "never".
RETRYABLE_CLIENT_ERRORS = {408, 429}
REPORT_STATUSES = {SmsDelivery.Status.DELIVERED, SmsDelivery.Status.UNDELIVERED}


class SmsGatewayRefused(PermanentDeliveryError):
    """The gateway refused the message (4xx): bad number, unknown template, no credit."""


class SmsGatewayUnavailable(Exception):
    """The gateway did not take the message this time (5xx, timeout, no usable answer)."""


class HttpSmsBackend(BaseSmsBackend):
    """Sends customer SMS by the platform's template and records the message id it returns."""

    def __init__(self):
        self.templates = settings.SMS_GATEWAY_TEMPLATES

    def send(self, phone, text):
        raise ImproperlyConfigured("The SMS gateway sends message templates: use send_notification.")

    def send_notification(self, notification):
        """One attempt for a locked, pending customer SMS; raises on failure (see the module)."""
        kind = notification.kind.removeprefix("customer_")
        template_id = self.templates.get(kind)
        if template_id is None:
            raise SmsGatewayRefused(f"SMS_GATEWAY_TEMPLATES has no template for message kind {kind}")
        payload = {
            "client_ref": f"notification-{notification.pk}",
            "phone": notification.address,
            "template_id": template_id,
            "params": template_parameters(notification.case),
            "text": notification.body,
        }
        if settings.SMS_GATEWAY_SIGN_NAME:
            payload["sign_name"] = settings.SMS_GATEWAY_SIGN_NAME
        try:
            response = requests.post(
                settings.SMS_GATEWAY_URL, json=payload, timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
                auth=(settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD),
            )
        except requests.RequestException as exc:
            raise SmsGatewayUnavailable(type(exc).__name__) from exc
        status = response.status_code
        if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
            logger.warning("SMS gateway refused message %s to %s: HTTP %s", notification.pk,
                           mask_phone(notification.address), status)
            raise SmsGatewayRefused(f"HTTP {status}")
        message_id = _message_id(response) if 200 <= status < 300 else None
        if message_id is None:
            raise SmsGatewayUnavailable(f"HTTP {status}")
        # A savepoint: a gateway that gave an id twice fails this attempt, not the transaction
        # that records it.
        with transaction.atomic():
            SmsDelivery.objects.update_or_create(
                notification=notification,
                defaults={"gateway_message_id": message_id, "status": SmsDelivery.Status.ACCEPTED,
                          "accepted_at": timezone.now()},
            )


def _message_id(response):
    try:
        message_id = response.json().get("message_id")
    except (ValueError, AttributeError):
        return None
    if isinstance(message_id, str | int) and 0 < len(str(message_id)) <= 100:
        return str(message_id)
    return None


def template_parameters(case):
    """The values a gateway template may place: the same for every message kind."""
    return {
        "reference": case.reference,
        "due": case.due_overall.isoformat() if case.due_overall else "",
        "hotline": settings.CUSTOMER_HOTLINE,
        "status_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("public_status"),
    }


# --- delivery reports --------------------------------------------------------------------------

class ReportRejected(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def report_signature(secret, timestamp, body):
    """hex HMAC-SHA256 over "<timestamp>.<body>" (body as bytes): the gateway signs so."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def delivery_report_record(*, body, timestamp, signature, now=None):
    """Check and record one delivery report; returns the SmsDelivery. Raises ReportRejected
    with the HTTP status to answer (see the module). Idempotent: a report no newer than the
    status recorded changes nothing."""
    secret = settings.SMS_GATEWAY_CALLBACK_SECRET
    if not secret:
        raise ReportRejected(404, "delivery reports are not configured")
    now = now if now is not None else time.time()
    try:
        fresh = abs(now - int(timestamp)) <= REPORT_MAX_AGE_SECONDS
    except (TypeError, ValueError):
        fresh = False
    if not fresh or not hmac.compare_digest(report_signature(secret, timestamp, body), signature or ""):
        raise ReportRejected(403, "signature or timestamp not valid")
    try:
        report = json.loads(body)
        message_id, status = str(report["message_id"]), report["status"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportRejected(400, "not a delivery report") from exc
    at = parse_datetime(report["at"]) if isinstance(report.get("at"), str) else None
    if status not in REPORT_STATUSES or ("at" in report and at is None):
        raise ReportRejected(400, "unknown status or time")
    at = at if at is None or timezone.is_aware(at) else timezone.make_aware(at)
    with transaction.atomic():
        delivery = SmsDelivery.objects.select_for_update().filter(gateway_message_id=message_id).first()
        if delivery is None:
            raise ReportRejected(404, "unknown message id")
        if delivery.status_at is None or (at or timezone.now()) >= delivery.status_at:
            delivery.status = status
            delivery.error_code = str(report.get("error_code") or "")[:50]
            delivery.status_at = at or timezone.now()
            delivery.reported_at = timezone.now()
            delivery.save(update_fields=["status", "error_code", "status_at", "reported_at"])
    return delivery
