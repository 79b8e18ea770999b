"""What the company writes to the customer (SPEC §10): the administrator's templates and the
notices sent, each with its PDF (an attachment of the case) and its proof of notice (Art. 21)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .parts import Attachment, Decision

User = settings.AUTH_USER_MODEL


class NoticeKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    EXTENSION = "extension", _("Extension notice")
    PAUSE = "pause", _("Pause notice")
    DECISION = "decision", _("Decision notice")
    REVIEW_DECISION = "review_decision", _("Review decision notice")
    MEDIATION_PROPOSAL = "mediation_proposal", _("Mediation proposal")


class NoticeLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class NoticeTemplate(models.Model):
    """The text of one kind of notice in one language, with {placeholders} for the case's facts
    (cases.notices.placeholders). Edited in the admin; every change is in its history."""

    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=NoticeLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="notice_template_unique")]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language})"


class Notice(models.Model):
    """One notice sent to the customer: its text as sent, its PDF, and its proof of notice —
    the method, when it was sent or handed over, the evidence. A phone call proves the notice
    only when the customer was reached. A correction of the proof is a change of this row (its
    history keeps the earlier one). ``sent_at`` is set only by a proof that counts (the service
    refuses a phone call that did not reach the customer), so it is the date of notice."""

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    language = models.CharField(_("language"), max_length=10, choices=NoticeLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    template_version = models.PositiveIntegerField(_("template version"), null=True, blank=True)
    document = models.ForeignKey(Attachment, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    # The proof of notice (Art. 21).
    method = models.CharField(_("method"), max_length=20, choices=Decision.Method.choices, blank=True)
    sent_at = models.DateTimeField(_("sent or handed over at"), null=True, blank=True)
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    evidence_attachment = models.ForeignKey(Attachment, on_delete=models.PROTECT, related_name="+", null=True,
                                            blank=True, verbose_name=_("evidence file"))
    customer_reached = models.BooleanField(_("customer reached"), null=True, blank=True)
    proof_recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "kind", "round"], name="notice_case_kind")]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d}"
