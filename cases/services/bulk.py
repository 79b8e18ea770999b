"""One action on many cases (SPEC §14, work management): the cases ticked in a queue are
dispatched, reassigned or marked contacted in one go. Each case goes through the lifecycle
service on its own, in its own transaction, with every check a single action has; a case that
is refused (wrong state, no permission, changed meanwhile) does not stop the others, and the
caller gets one outcome per case."""
from dataclasses import dataclass

from django.utils.translation import gettext as _

from complaints_portal.common.errors import ApplicationError, ValidationFailed
from complaints_portal.common.roles import Access

from ..actions.table import ACTIONS
from .transitions import case_transition

LIMIT = 100


@dataclass(frozen=True)
class Outcome:
    reference: str
    ok: bool
    message: str = ""
    code: str = ""


def bulk_transition(*, actor, references, action, data=None):
    """``action`` with ``data`` on each case of ``references`` (duplicates ignored, order kept);
    one Outcome per case. Refuses the whole request only when the action may not be applied
    in bulk, no case is named or more than LIMIT are."""
    row = ACTIONS.get(action)
    if row is None or not row.bulk:
        raise ValidationFailed(_("This action cannot be applied to several cases at once."), code="bulk_not_allowed",
                               extra={"actions": [name for name, r in ACTIONS.items() if r.bulk]})
    references = list(dict.fromkeys(str(ref).strip() for ref in references if str(ref).strip()))
    if not references:
        raise ValidationFailed(_("Tick at least one case."), code="no_cases")
    if len(references) > LIMIT:
        raise ValidationFailed(_("At most %(limit)d cases at once.") % {"limit": LIMIT}, code="too_many_cases",
                               extra={"limit": LIMIT})
    access = Access.of(actor)
    outcomes = []
    for reference in references:
        try:
            case_transition(actor=access, reference=reference, action=action, data=dict(data or {}))
        except ApplicationError as exc:
            outcomes.append(Outcome(reference, False, exc.message, exc.code))
        else:
            outcomes.append(Outcome(reference, True))
    return outcomes
