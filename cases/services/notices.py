"""Issuing notices and recording their proof of notice (SPEC §10).

``notice_issue`` runs inside an action (case_transition, after the deadlines are recomputed, so
an extension notice states the new due date): the text from the administrator's template (or
the built-in one), the PDF stored as a letter attachment of the case, and the proof the action
carries. ``notice_proof_record`` records or corrects the proof later.
"""
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from complaints_portal.common.errors import NotFound, PermissionDenied, ReadOnlyCase
from complaints_portal.common.roles import Access

from ..events import event_record
from ..inputs import invalid, require
from ..models import Attachment, Notice, NoticeKind, NoticeTemplate
from ..models.case import Status
from ..notices.pdf import notice_pdf
from ..notices.placeholders import SAMPLE, case_values, company_name, default_text, render
from ..notices.proof import notice_language, proof_from
from ..permissions import may_record_notice_proof
from ..selectors import case_get_for_user
from ..signals import case_changed
from .attachments import attachment_store_checked


def template_text(kind, language):
    """(title, body, template version): the stored template, else the built-in one."""
    stored = NoticeTemplate.objects.filter(kind=kind, language=language).first()
    if stored is None:
        return (*default_text(kind, language), None)
    version = stored.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return stored.title, stored.body, version


def _action_values(case, kind):
    """What the notice of ``kind`` states beside the case's own facts: the decision's parts,
    the extension's reason and new due date, the pause's subject."""
    if kind in (NoticeKind.DECISION, NoticeKind.REVIEW_DECISION):
        decision = case.decisions.filter(round=case.round).order_by("-notified_at", "-id").first()
        return {"facts": decision.facts, "basis": decision.basis, "decision": decision.text,
                "remedies": decision.remedies}
    if kind == NoticeKind.EXTENSION:
        extension = case.extensions.order_by("-decided_at", "-id").first()
        return {"extension_reason": extension.reason, "new_due_date": case.due_overall or ""}
    if kind == NoticeKind.PAUSE:
        pause = case.pauses.order_by("-start", "-id").first()
        return {"pause_kind": pause.get_kind_display(), "pause_start": pause.start, "pause_reason": pause.reason}
    return {}


def notice_issue(case, kind, actor, data, now):
    """Write the notice of ``kind`` that an action sends (the caller's transaction): its text,
    its PDF among the case's attachments, its proof when ``data`` carries one."""
    if kind == NoticeKind.DECISION and case.round > 1:
        kind = NoticeKind.REVIEW_DECISION
    language = notice_language(data)
    title, body, version = template_text(kind, language)
    with override(language):
        values = case_values(case, language, _action_values(case, kind), at=now)
    title, body = render(title, values), render(body, values)
    document = attachment_store_checked(
        case, data=notice_pdf(title, body, case.reference), mime="application/pdf",
        name=f"{case.reference}-{kind}.pdf", actor=actor, kind=Attachment.Kind.LETTER, event=False)
    proof = proof_from(data, case, now) if kind in (NoticeKind.DECISION, NoticeKind.REVIEW_DECISION) else {}
    notice = Notice(case=case, kind=kind, round=case.round, language=language, title=title, body=body,
                    template_version=version, document=document, created_by=actor, created_at=now,
                    proof_recorded_by=actor if proof else None, **proof)
    notice._history_user = actor
    notice.save()
    return notice


def notice_proof_record(*, actor, reference, notice_id, data):
    """Record (or correct) the proof of notice of one of a case's notices. The decision's proof
    date is the date it was notified: the KPI read model is refreshed (case_changed)."""
    access = Access.of(actor)
    with transaction.atomic():
        case = case_get_for_user(access, reference, for_update=True)
        if case.status == Status.ARCHIVED:
            raise ReadOnlyCase()
        if not may_record_notice_proof(access, case):
            raise PermissionDenied()
        notice = case.notices.filter(pk=notice_id).first()
        if notice is None:
            raise NotFound()
        require(data, "method")
        now = timezone.now()
        proof = proof_from(data, case, now, reached_default=False)
        evidence_file = data.get("evidence_attachment")
        if evidence_file:
            attachment = case.attachments.filter(pk=evidence_file, removed_at__isnull=True).first()
            if attachment is None:
                raise invalid("evidence_attachment", _("No such attachment on this case."), _("Unknown attachment."))
            notice.evidence_attachment = attachment
        for name, value in proof.items():
            setattr(notice, name, value)
        notice.proof_recorded_by = access.user
        notice._history_user = access.user
        notice.save()
        if notice.kind in (NoticeKind.DECISION, NoticeKind.REVIEW_DECISION):
            # The decision counts as notified on its proof's date (SPEC §10).
            for decision in case.decisions.filter(round=notice.round):
                decision.notified_at = proof["sent_at"]
                decision._history_user = access.user
                decision.save(update_fields=["notified_at"])
        event_record(case, "notice_proof", access.user, data={
            "notice": notice.pk, "kind": notice.kind, "method": proof["method"],
            "sent_at": proof["sent_at"].isoformat()})
        case_changed.send(sender=type(case), case=case)
    return notice


def template_preview(title, body):
    """(title, body) of a template as it reads for a sample case (the admin's preview)."""
    values = {**SAMPLE, "company_name": company_name(), "hotline": settings.CUSTOMER_HOTLINE}
    return render(title, values), render(body, values)
