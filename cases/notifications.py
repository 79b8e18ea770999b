"""Notifications to staff: the portal bell and email (SPEC §4 reminders and escalations, the
actions' notices), to active users only, each once. `notify` is idempotent by `dedupe_key`;
delivery happens after the commit, and what fails is retried by `deliver_pending` (beat) up
to MAX_ATTEMPTS."""
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from complaints_portal.common import roles
from complaints_portal.common.queueing import enqueue_on_commit

from .models import DepartmentMembership, Notification, TeamMember
from .models.deadlines import Stage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class PermanentDeliveryError(Exception):
    """A refusal that trying again cannot change (the SMS gateway rejected the message as such):
    the notification fails at once instead of after MAX_ATTEMPTS."""


def notify(recipient, kind, subject, body="", case=None, *, dedupe_key, channel=Notification.Channel.PORTAL):
    """Create the notification unless `dedupe_key` exists (a racing duplicate loses on the unique
    key); returns (notification, created). Email is sent after the caller's commit."""
    defaults = {"recipient": recipient, "kind": kind, "subject": str(subject)[:200], "body": str(body),
                "case": case, "channel": channel}
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=defaults)
    except IntegrityError:
        notification, created = Notification.objects.get(dedupe_key=dedupe_key), False
    if created:
        # If the broker is down the row stays pending for the beat retry (deliver_pending).
        enqueue_on_commit("cases.tasks.deliver_notification", notification.pk)
    return notification, created


def deliver(notification_id):
    """Send one pending notification by email, its row locked (skip_locked) so that no two workers
    send it; returns its delivery status."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, delivery=Notification.Delivery.PENDING)
            .first()
        )
        if notification is None:
            return None
        address = notification.recipient.email if notification.recipient_id else notification.address
        if not address or notification.channel == Notification.Channel.SMS:
            notification.delivery = Notification.Delivery.SKIPPED
            notification.save(update_fields=["delivery"])
            return notification.delivery
        return attempt_delivery(notification, lambda n: send_mail(
            n.subject, n.body or n.subject, settings.DEFAULT_FROM_EMAIL, [address]))


def attempt_delivery(notification, send, *, describe_error=None, label="Notification"):
    """One delivery attempt of a locked, pending notification (``send`` raises on failure): sent,
    failed (after MAX_ATTEMPTS or a PermanentDeliveryError) or still pending; saved."""
    notification.attempts += 1
    try:
        send(notification)
    except Exception as exc:  # the gateway's or mail server's failure is data here, not a crash
        error = describe_error(exc) if describe_error else f"{type(exc).__name__}: {exc}"
        notification.last_error = error[:200]
        if notification.attempts >= MAX_ATTEMPTS or isinstance(exc, PermanentDeliveryError):
            notification.delivery = Notification.Delivery.FAILED
        logger.warning("%s %s not delivered (attempt %s): %s",
                       label, notification.pk, notification.attempts, notification.last_error)
    else:
        notification.delivery = Notification.Delivery.SENT
        notification.delivered_at = timezone.now()
        notification.last_error = ""
    notification.save(update_fields=["delivery", "attempts", "last_error", "delivered_at"])
    return notification.delivery


def deliver_pending(limit=500, *, rows=None, send=deliver):
    """Retry every pending notification (beat task); ``rows``/``send``: other notifications and
    their sender (customer messages). Returns {"sent": n, "pending": n, ...}."""
    if rows is None:
        # Customer messages (no staff recipient) have their own retry task in cases.public.
        rows = Notification.objects.filter(recipient__isnull=False)
    pending = rows.filter(delivery=Notification.Delivery.PENDING, attempts__lt=MAX_ATTEMPTS)
    result = {}
    for pk in pending.order_by("pk").values_list("pk", flat=True)[:limit]:
        status = send(pk)
        if status:
            result[status] = result.get(status, 0) + 1
    return result


def mark_read(user, ids=None):
    """Mark the user's notifications read (all unread ones when `ids` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# -- who is told ------------------------------------------------------------------------
def _active_users(qs):
    return list(qs.filter(is_active=True).distinct().order_by("pk"))


def users_with_role(role):
    User = get_user_model()
    qs = User.objects.filter(groups__name=role)
    if role == roles.ADMINISTRATOR:
        qs = User.objects.filter(Q(groups__name=role) | Q(is_superuser=True))
    return _active_users(qs)


def department_users(case, role):
    if not case.department_id:
        return []
    User = get_user_model()
    return _active_users(User.objects.filter(memberships__department_id=case.department_id, memberships__role=role))


def department_heads(case):
    return department_users(case, DepartmentMembership.Role.HEAD)


def senior_managers(case):
    return users_with_role(roles.SENIOR_MANAGER)


def plan_approvers(case):
    """A review's plan goes to the senior managers, a first round's to the department's heads."""
    return senior_managers(case) if case.round > 1 else department_heads(case)


def assignees(case, stage):
    """Who must act for `stage`: acknowledge/dispatch → the registering clerk (else every
    intake clerk); form_team/approval → the department's heads; report/plan/decision and the
    regulatory deadlines → the round's team lead, else the department's investigators."""
    if stage in (Stage.ACKNOWLEDGE, Stage.DISPATCH) or not case.department_id:
        if case.registered_by_id and case.registered_by.is_active:
            return [case.registered_by]
        return users_with_role(roles.INTAKE_CLERK)
    if stage in (Stage.FORM_TEAM, Stage.APPROVAL):
        return department_heads(case)
    lead = (
        TeamMember.objects.filter(case=case, round=case.round, role=TeamMember.Role.LEAD, ended_at__isnull=True)
        .select_related("user").first()
    )
    if lead and lead.user.is_active:
        return [lead.user]
    return department_users(case, DepartmentMembership.Role.INVESTIGATOR) or department_heads(case)
