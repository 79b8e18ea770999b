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
    return notify_grouped_many([(recipient, kind, case, item, params)], day=day) == 1


def notify_grouped_many(messages, *, day):
    """`notify_grouped` for many ``(recipient, kind, case, item, params)`` at once: the items of
    one case, recipient, kind and ``day`` go into one notification (in the order given), the
    day's existing ones are locked and extended, the new ones inserted in one statement, each
    emailed after the commit. Returns how many notifications were created.

    Written for the deadline sweep's chunks (cases.sweep): a row-by-row get_or_create cost a
    savepoint and three statements per deadline (8.1 queries per escalated deadline in all). A
    concurrent writer inserting one of the same keys first makes the insert fail on the unique
    key; the savepoint is rolled back and the day's rows read again, so its items are kept too."""
    groups = {}
    for recipient, kind, case, item, params in messages:
        key = f"{kind}:{case.pk}:{day.isoformat()}:{recipient.pk}"
        group = groups.setdefault(key, (recipient, kind, case, dict(params or {}), []))
        if item not in group[4]:
            group[4].append(item)
    if not groups:
        return 0
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _write_grouped(groups)
        except IntegrityError:
            if attempt == 2:
                raise
    return 0  # not reached


def _write_grouped(groups):
    groups = dict(groups)  # a retry starts again from all of them
    # Locked in primary-key order, so two writers of overlapping keys wait instead of deadlocking.
    existing = Notification.objects.select_for_update().filter(dedupe_key__in=list(groups)).order_by("pk").only(
        "pk", "kind", "dedupe_key", "params", "subject", "body", "read_at", "resolved_at")
    changed = []
    for notification in existing:
        items = notification.params.get("items", [])
        added = [item for item in groups.pop(notification.dedupe_key)[4] if item not in items]
        if added:
            notification.params = {**notification.params, "items": [*items, *added]}
            subject, notification.body = _stored_text(notification.kind, notification.params)
            notification.subject = subject[:200]
            notification.read_at = notification.resolved_at = None
            changed.append(notification)
    if changed:
        Notification.objects.bulk_update(changed, ["params", "subject", "body", "read_at", "resolved_at"])
    new = []
    for key, (recipient, kind, case, params, items) in groups.items():
        params = {**params, "items": items}
        subject, body = _stored_text(kind, params)
        new.append(Notification(recipient=recipient, kind=kind, case=case, dedupe_key=key, params=params,
                                subject=str(subject)[:200], body=str(body), channel=Notification.Channel.PORTAL))
    Notification.objects.bulk_create(new)
    for notification in new:
        # If the broker is down the row stays pending for the beat retry (deliver_pending).
        enqueue_on_commit("cases.tasks.deliver_notification", notification.pk)
    return len(new)


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
    "major_complaint": lambda case, params, _rows: case.is_open and case.emergency_reported_at is None,
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


def members_by_department(role, department_ids):
    """{department id: its active members with ``role``, by user id} for ``department_ids``."""
    members = {}
    memberships = (DepartmentMembership.objects.filter(department_id__in=department_ids, role=role, user__is_active=True)
                   .select_related("user").order_by("user_id"))
    for membership in memberships:
        members.setdefault(membership.department_id, []).append(membership.user)
    return members


def department_users(case, role):
    return People().department(case.department_id, role)


def department_heads(case):
    return department_users(case, DepartmentMembership.Role.HEAD)


def senior_managers(case):
    return users_with_role(roles.SENIOR_MANAGER)


def seniors_and_supervisors(case):
    """Every active senior manager and supervisor, once each (a major complaint, SPEC §12)."""
    User = get_user_model()
    return _active_users(User.objects.filter(groups__name__in=(roles.SENIOR_MANAGER, roles.SUPERVISOR)))


def plan_approvers(case):
    """A review's plan goes to the senior managers, a first round's to the department's heads."""
    return senior_managers(case) if case.round > 1 else department_heads(case)


class People:
    """The answers to "who is told", each read from the database once and kept: one object per
    task run (the deadline sweep: per sweep, the heads and supervisors were read again for every
    deadline). ``load`` reads what a batch of cases will ask in one query per question."""

    def __init__(self):
        self._roles = {}
        self._members = {}
        self._leads = {}

    def with_role(self, role):
        if role not in self._roles:
            self._roles[role] = users_with_role(role)
        return self._roles[role]

    def department(self, department_id, role):
        if not department_id:
            return []
        if (role, department_id) not in self._members:
            self._load_departments(role, {department_id})
        return self._members[role, department_id]

    def lead(self, case):
        """The round's active team lead of ``case`` (an active user), or None."""
        if case.pk not in self._leads:
            self._load_leads([case])
        return self._leads[case.pk]

    def load(self, cases, member_roles=(), leads=False):
        """Read at once the members with each of ``member_roles`` of the departments of ``cases``, and
        with ``leads`` their team leads."""
        for role in member_roles:
            self._load_departments(role, {case.department_id for case in cases if case.department_id})
        if leads:
            self._load_leads(cases)

    def _load_departments(self, role, department_ids):
        missing = {pk for pk in department_ids if (role, pk) not in self._members}
        if missing:
            found = members_by_department(role, missing)
            self._members.update({(role, pk): found.get(pk, []) for pk in missing})

    def _load_leads(self, cases):
        missing = {case.pk: case for case in cases if case.pk not in self._leads}
        if not missing:
            return
        self._leads.update(dict.fromkeys(missing))
        leads = (TeamMember.objects.filter(case_id__in=missing, role=TeamMember.Role.LEAD, ended_at__isnull=True)
                 .select_related("user").order_by("pk"))
        for member in leads:
            if member.round == missing[member.case_id].round and self._leads[member.case_id] is None:
                self._leads[member.case_id] = member.user
        for pk, user in self._leads.items():
            if pk in missing and user is not None and not user.is_active:
                self._leads[pk] = None


def assignees(case, stage, people=None):
    """Who must act for `stage`: acknowledge/dispatch → the registering clerk (else every
    intake clerk); form_team/approval → the department's heads; report/plan/decision and the
    regulatory deadlines → the round's team lead, else the department's investigators; a major
    complaint's emergency report → the department's heads, else the senior managers.
    ``people``: the sweep's People (what it already read), else a fresh one."""
    people = people or People()
    if stage == Stage.EMERGENCY_REPORT:
        return (people.department(case.department_id, DepartmentMembership.Role.HEAD)
                or people.with_role(roles.SENIOR_MANAGER))
    if stage in (Stage.ACKNOWLEDGE, Stage.DISPATCH) or not case.department_id:
        if case.registered_by_id and case.registered_by.is_active:
            return [case.registered_by]
        return people.with_role(roles.INTAKE_CLERK)
    if stage in (Stage.FORM_TEAM, Stage.APPROVAL):
        return people.department(case.department_id, DepartmentMembership.Role.HEAD)
    lead = people.lead(case)
    if lead is not None:
        return [lead]
    return (people.department(case.department_id, DepartmentMembership.Role.INVESTIGATOR)
            or people.department(case.department_id, DepartmentMembership.Role.HEAD))
