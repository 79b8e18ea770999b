"""case_transition: the one mutator of a case's status (STYLE "one mutator for status"). It
applies a row of the action table (cases.actions)."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import (
    ConcurrentModification,
    PermissionDenied,
    ReadOnlyCase,
    TransitionNotAllowed,
    ValidationFailed,
)
from complaints_portal.common.roles import Access

from .. import deadlines
from ..actions.fields import clean
from ..actions.table import ACTIONS, public_rows, refusal, resolve
from ..events import event_record
from ..models.case import Status
from ..notifications import notifications_settle, notify
from ..selectors import case_get_for_user
from ..signals import case_changed
from .notices import notice_issue


def case_transition(*, actor, reference, action, data=None, expected_version=None, at=None):
    """Perform `action` on the case `reference` as `actor` (an Access or a user): lock, refuse a
    stale form, check the row (state and guard 409, permission 403, fields 400), run the handler,
    set the state, apply the deadline effect, save and record the event; notices after commit.
    Nothing is written on error. `at` backdates the act (demo data and migrations only)."""
    if action not in ACTIONS or not ACTIONS[action].public:
        raise ValidationFailed(_("Unknown action: %(action)s") % {"action": action},
                               code="unknown_action", extra={"actions": [row.name for row in public_rows()]})
    access = Access.of(actor)
    with transaction.atomic():
        case = case_get_for_user(access, reference, for_update=True)
        if expected_version is not None and int(expected_version) != case.version:
            raise ConcurrentModification(extra={"version": case.version})
        row = resolve(action, case)
        if case.status == Status.ARCHIVED and not row.on_frozen_case:
            raise ReadOnlyCase()
        refused = refusal(action, case, lambda: case.pauses.filter(end__isnull=True).exists())
        if refused is not None:
            raise refused
        if case.merged_into_id and not row.on_frozen_case:
            raise TransitionNotAllowed(_("The case was merged into %(ref)s.") % {"ref": case.merged_into.reference})
        if not row.may(access, case, data or {}):
            raise PermissionDenied()
        now = at or timezone.now()
        data = clean(row.fields, data or {}, case, now)
        from_status = case.status
        event_data = row.handler(case, access, data, now)
        case.status = row.target_from(case.status)
        case.version += 1
        met_at = row.met_at(data, now) if row.met_at else now
        deadlines.on_action(case, now, meets=row.stages_met(case.round), clock=row.clock, met_at=met_at)
        case._history_user = access.user
        case.save()
        if row.letter:
            notice_issue(case, row.letter, access.user, data, now)
        case_changed.send(sender=type(case), case=case)
        event_record(case, row.name, access.user, from_status=from_status, to_status=case.status, data=event_data, at=now)
        notifications_settle(case)
        if row.notice is not None:
            _send_notice(case, row.notice, access.user)
    return case


def _send_notice(case, notice, actor):
    """The action's notice to everyone it names but the actor, once per case version."""
    params = {"ref": case.reference, "department": case.department_id}
    for user in notice.to(case):
        if user.pk != getattr(actor, "pk", None):
            notify(user, notice.kind, case=case, params=params,
                   dedupe_key=f"{notice.kind}:{case.pk}:{case.version}:{user.pk}")
