"""The case timeline: one function writes every event row, in the caller's transaction."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CaseEvent

# Timeline labels of the events that are not actions (an action's label is on its row in
# cases.actions; cases.actions.event_label gives either). Kinds are stored as plain strings.
EVENT_LABELS = {
    "created": _("Complaint registered"),
    "extend_refused": _("Extension recorded too late: it does not count"),
    "merged_duplicate": _("A duplicate was merged into this case"),
    "attachment": _("Attachment added"),
    "mail_received": _("Complaint received by email: category to be confirmed"),
    "mail_reply": _("Email from the customer filed"),
    "classified": _("Category confirmed"),
    "followup_attempt": _("Follow-up attempt recorded"),
    "followup": _("Follow-up visit recorded"),
    "imported": _("Imported from the legacy system"),
    "deadlines_recomputed": _("Due dates recomputed"),
    "anonymised": _("Personal data anonymised (retention)"),
    "notice_proof": _("Proof of notice recorded"),
}


def event_record(case, kind, actor=None, *, from_status="", to_status="", data=None, at=None):
    """Append one event to the case timeline. `data` must not contain personal data."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        from_status=from_status or "",
        to_status=to_status or "",
        data=data or {},
    )

