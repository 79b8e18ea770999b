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
from ..notifications import notify
from ..selectors import case_get_for_user
from ..signals import case_changed
from .notices import notice_issue


def case_transition(*, actor, reference, action, data=None, expected_version=None, at=None):
    """Perform `action` on the case `reference` as `actor` (an Access, or a user).

    Locks the row, refuses a stale form (expected_version), checks the action's row (state and
    guard 409, permission 403, fields 400), runs its handler, sets the state, applies its
    deadline effect, saves the case and records the event; notices are sent after the commit.
    On any error nothing is written. `at` backdates the act (demo data and migrations only)."""
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
        data = clean(row.fields, data or {})
        now = at or timezone.now()
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
        if row.notice is not None:
            _send_notice(case, row.notice, access.user)
    return case


def _send_notice(case, notice, actor):
    """The action's notice to everyone it names but the actor, once per case version."""
    subject = notice.subject % {"ref": case.reference}
    for user in notice.to(case):
        if user.pk != getattr(actor, "pk", None):
            notify(user, notice.kind, subject, body="", case=case,
                   dedupe_key=f"{notice.kind}:{case.pk}:{case.version}:{user.pk}")
