"""Retention (SPEC §8): when a case's retention date has passed, anonymise its personal data
(names, phones, email, ID number, agent fields, policy numbers, every free text) in the case,
its parts and their history rows, and delete its files; every field a KPI reads stays. Cases
on legal hold, not due or already anonymised are skipped; each case in its own transaction
under its row lock (re-checked), files deleted only after the commit."""
import logging

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from .events import event_record
from .models import (
    Attachment,
    CaseEvent,
    Complaint,
    Decision,
    Extension,
    InboundMail,
    Mediation,
    Notice,
    Notification,
    Pause,
    Plan,
    PlanApproval,
    Report,
)

logger = logging.getLogger(__name__)

# A neutral marker, not translated: it is stored data, the same in every language.
PLACEHOLDER = "[anonymised]"

# Complaint fields -> value after anonymisation. Required text fields get the placeholder.
CASE_FIELDS = {
    "customer_name": PLACEHOLDER,
    "customer_phone": "",
    "customer_email": "",
    "customer_address": "",
    "customer_id_number": "",
    "agent_name": "",
    "agent_relation": "",
    "agent_authorisation": "",
    "policy_numbers": "",
    "summary": PLACEHOLDER,
    "description": "",
    "expected_resolution": "",
    "ack_note": "",
}
# Parts: model -> {field: value}. Their history rows are scrubbed the same way.
PART_FIELDS = {
    Report: {"facts": PLACEHOLDER, "responsible_staff": "", "recommendation": PLACEHOLDER},
    Plan: {"text": PLACEHOLDER},
    Decision: {"text": PLACEHOLDER, "facts": PLACEHOLDER, "basis": PLACEHOLDER, "remedies": ""},
    Extension: {"reason": PLACEHOLDER},
    Pause: {"customer_told_proof": PLACEHOLDER, "reason": ""},
    # The notices' text as sent names the customer; their PDFs go with the attachments below.
    Notice: {"title": PLACEHOLDER, "body": "", "evidence": ""},
    Mediation: {"mediator": "", "terms": PLACEHOLDER},
    InboundMail: {"sender_name": PLACEHOLDER, "sender_address": "", "subject": PLACEHOLDER, "body": ""},
}
# Keys of CaseEvent.data that carry free text typed by staff.
EVENT_TEXT_KEYS = ("reason",)


def expired_cases(today=None):
    """Cases due for anonymisation on `today` (local): retention date passed, no legal hold,
    not yet anonymised."""
    today = today or timezone.localdate()
    return Complaint.objects.filter(
        retention_until__lt=today, legal_hold=False, anonymised_at__isnull=True
    ).order_by("pk")


def anonymise_expired(today=None, *, limit=None):
    """Anonymise every case in `expired_cases(today)`; returns the list of references done.

    Safe to run twice: a case is re-read under its lock and skipped unless still due."""
    today = today or timezone.localdate()
    ids = list(expired_cases(today).values_list("pk", flat=True)[:limit])
    done = []
    for pk in ids:
        reference = case_anonymise(pk, today=today)
        if reference:
            done.append(reference)
    if done:
        # References only: they identify the case to staff, not the customer.
        logger.info("Retention: anonymised %s case(s): %s", len(done), ", ".join(done))
    return done


def case_anonymise(case_id, *, today=None):
    """Anonymise one case if it is still due; returns its reference, or None if skipped."""
    # Follow-up comments live in the assessment app, which depends on this one; looked up by
    # name so that cases keeps no import of assessment.
    FollowUpVisit = apps.get_model("assessment", "FollowUpVisit")
    FollowUpAttempt = apps.get_model("assessment", "FollowUpAttempt")
    today = today or timezone.localdate()
    with transaction.atomic():
        case = Complaint.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
        if case is None or case.anonymised_at or case.legal_hold or not case.retention_until \
                or case.retention_until >= today:
            return None
        now = timezone.now()

        # History first: the save below writes a new (already anonymised) history row.
        Complaint.history.filter(id=case.pk).update(**CASE_FIELDS)
        for model, fields in PART_FIELDS.items():
            rows = model.objects.filter(case=case)
            part_ids = list(rows.values_list("pk", flat=True))
            rows.update(**fields)
            model.history.filter(id__in=part_ids).update(**fields)
        PlanApproval.objects.filter(plan__case=case).update(reason="")
        FollowUpVisit.objects.filter(case=case).update(comment="")
        FollowUpVisit.history.filter(case_id=case.pk).update(comment="")
        FollowUpAttempt.objects.filter(case=case).update(note="")
        # Customer messages hold the address and a text that may quote the customer's name.
        Notification.objects.filter(case=case, recipient__isnull=True).update(
            address="", body="", delivery=Notification.Delivery.SKIPPED
        )
        for event in CaseEvent.objects.filter(case=case).exclude(data={}):
            if any(key in event.data for key in EVENT_TEXT_KEYS):
                event.data = {k: (PLACEHOLDER if k in EVENT_TEXT_KEYS and v else v) for k, v in event.data.items()}
                event.save(update_fields=["data"])

        files = []
        for attachment in Attachment.objects.filter(case=case):
            if attachment.file:
                files.append(attachment.file.name)
            attachment.removed_at = attachment.removed_at or now
            attachment.original_name = PLACEHOLDER
            attachment.save(update_fields=["removed_at", "original_name"])

        for name, value in CASE_FIELDS.items():
            setattr(case, name, value)
        case.anonymised_at = now
        case.version += 1
        case._change_reason = "retention"
        case.save(update_fields=[*CASE_FIELDS, "anonymised_at", "version", "updated_at"])
        event_record(case, "anonymised", None, data={"attachments_removed": len(files),
                                                    "retention_until": case.retention_until.isoformat()}, at=now)
        transaction.on_commit(lambda: _delete_files(files), robust=True)
    return case.reference


def _delete_files(names):
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception as exc:  # noqa: BLE001 -- OSError locally, botocore errors on S3: the row
            # already says removed, so a leftover file is logged for the operator, not fatal.
            logger.warning("Retention: could not delete a stored attachment (%s).", type(exc).__name__)
