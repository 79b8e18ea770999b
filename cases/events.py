"""The case timeline: one function writes every event row, in the caller's transaction."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CaseEvent

# Human labels of event kinds, for the timeline. Kinds are stored as plain strings.
EVENT_LABELS = {
    "created": _("Complaint registered"),
    "acknowledge": _("Customer contacted"),
    "acknowledge_late": _("Customer contacted"),
    "assign": _("Dispatched to department"),
    "form_team": _("Investigation team formed"),
    "submit_report": _("Investigation report submitted"),
    "propose_plan": _("Resolution plan proposed"),
    "approve_plan": _("Plan approved"),
    "reject_plan": _("Plan rejected"),
    "notify_decision": _("Decision notified to the customer"),
    "customer_accepts": _("Customer accepted the decision"),
    "customer_disputes": _("Customer disputed the decision: review opened"),
    "close": _("Case closed"),
    "withdraw": _("Complaint withdrawn"),
    "archive": _("Case archived"),
    "extend": _("Deadline extended"),
    "extend_refused": _("Extension recorded too late: it does not count"),
    "pause": _("Deadline paused"),
    "resume": _("Deadline resumed"),
    "restart_clock": _("New facts received: deadline clock restarted"),
    "merge": _("Merged into another case"),
    "merged_duplicate": _("A duplicate was merged into this case"),
    "reassign": _("Reassigned to another department"),
    "legal_hold": _("Legal hold changed"),
    "attachment": _("Attachment added"),
    "mail_received": _("Complaint received by email: category to be confirmed"),
    "mail_reply": _("Email from the customer filed"),
    "classified": _("Category confirmed"),
    "followup_attempt": _("Follow-up attempt recorded"),
    "followup": _("Follow-up visit recorded"),
    "imported": _("Imported from the legacy system"),
    "deadlines_recomputed": _("Due dates recomputed"),
    "anonymised": _("Personal data anonymised (retention)"),
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


def event_label(kind):
    return EVENT_LABELS.get(kind, kind)
