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
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from complaints_portal.common import roles
from complaints_portal.common.queueing import enqueue_on_commit

from . import notification_texts
from .models import CaseDeadline, DepartmentMembership, Notification, TeamMember
from .models.case import Status
from .models.deadlines import Stage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class PermanentDeliveryError(Exception):
    """A refusal that trying again cannot change (the SMS gateway rejected the message as such):
    the notification fails at once instead of after MAX_ATTEMPTS."""


def notify(recipient, kind, subject="", body="", case=None, *, dedupe_key, params=None,
           channel=Notification.Channel.PORTAL):
    """Create the notification unless `dedupe_key` exists; returns (notification, created).

    With `params`, the text registered for `kind` (cases.notification_texts) is the message:
    the row keeps the kind and the parameters, and its subject and body (the email) are written
    in the portal's language. Without, `subject` and `body` are the message as given.
    Delivery by email is scheduled with transaction.on_commit, so a rolled-back caller sends
    nothing. Safe under concurrency: a racing duplicate loses on the unique key.
    """
    params = dict(params or {})
    if params and kind in notification_texts.TEXTS:
        subject, body = _stored_text(kind, params)
    defaults = {"recipient": recipient, "kind": kind, "subject": str(subject)[:200], "body": str(body),
                "case": case, "channel": channel, "params": params}
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=defaults)
    except IntegrityError:
        notification, created = Notification.objects.get(dedupe_key=dedupe_key), False
    if created:
        # If the broker is down the row stays pending for the beat retry (deliver_pending).
        enqueue_on_commit("cases.tasks.deliver_notification", notification.pk)
    return notification, created


def notify_grouped(recipient, kind, case, item, *, day, params=None):
    """One notification of `kind` per case, recipient and day, listing its `items`: the sweep's
    deadline messages, so that a case whose stages all fall due at once (a team formed on an
    overdue case) tells each person once, not once per stage. A further item joins the day's
    notification (marked unread again) without a second email; returns True if one was created."""
    key = f"{kind}:{case.pk}:{day.isoformat()}:{recipient.pk}"
    notification, created = notify(recipient, kind, case=case, dedupe_key=key,
                                   params={**(params or {}), "items": [item]})
    if created:
        return True
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        items = notification.params.get("items", [])
        if item not in items:
            notification.params = {**notification.params, "items": [*items, item]}
            notification.subject, notification.body = _stored_text(kind, notification.params)
            notification.subject = notification.subject[:200]
            notification.read_at = notification.resolved_at = None
            notification.save(update_fields=["params", "subject", "body", "read_at", "resolved_at"])
    return False


def _stored_text(kind, params):
    with translation.override(settings.LANGUAGE_CODE):
        return notification_texts.render(Notification(kind=kind, params=params))


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


def mark_read(user, ids=None, *, case_id=None):
    """Mark the user's notifications read (all unread ones when `ids` and `case_id` are None;
    `case_id`: those of one case)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.update(read_at=timezone.now())


# -- when a notification's reason is gone ----------------------------------------------------
def _deadlines_open(case, params, open_rows):
    rows = {item.get("row") for item in params.get("items", [])}
    # A row sent before the items were stored stays current while the case is open.
    return case.is_open and (not rows or not rows.isdisjoint(open_rows()))


# kind -> still_current(case, params, open_rows): whether what the notification asks for is
# still to be done. open_rows() gives the ids of the case's deadline rows still running.
STILL_CURRENT = {
    "case_assigned": lambda case, params, _rows: (
        case.is_open and case.team_formed_at is None and case.department_id == params.get("department", case.department_id)),
    "approval_requested": lambda case, params, _rows: case.status == Status.PLAN_PENDING,
    "review_opened": lambda case, params, _rows: case.is_open and case.team_formed_at is None,
    "deadline_reminder": _deadlines_open,
    "deadline_overdue": _deadlines_open,
    "deadline_at_risk": _deadlines_open,
    "deadline_passed_supervisor": _deadlines_open,
}


def notifications_settle(case, now=None):
    """Mark done (and read) the case's notifications whose reason is gone; called by the one
    status mutator after each action, in its transaction. Returns the number marked."""
    pending = list(Notification.objects.filter(case=case, resolved_at__isnull=True, recipient__isnull=False,
                                               kind__in=STILL_CURRENT).only("pk", "kind", "params"))
    if not pending:
        return 0
    cache = []

    def open_rows():
        if not cache:
            cache.append(set(CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True)
                             .values_list("pk", flat=True)))
        return cache[0]

    gone = [n.pk for n in pending if not STILL_CURRENT[n.kind](case, n.params or {}, open_rows)]
    now = now or timezone.now()
    return Notification.objects.filter(pk__in=gone).update(resolved_at=now, read_at=Coalesce("read_at", now))


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
