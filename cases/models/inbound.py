"""Mail read from the complaint mailboxes (SPEC §14): what each mail became, and the mails
that could not be read."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InboundMail(models.Model):
    """One mail taken from a complaint mailbox: the case it opened, or a customer's reply filed
    to a case's correspondence.

    `message_id` is unique: the row is written in the same transaction as the case (or the
    filing), and the mail leaves the mailbox's folder only after that commit, so a mail read
    twice (beat firing twice, a worker killed between commit and move) is taken once.
    """

    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("New complaint")
        REPLY = "reply", _("Reply to a case")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="inbound_mails")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    mailbox = models.CharField(_("mailbox"), max_length=200)
    sender_name = models.CharField(_("sender"), max_length=100, blank=True)
    sender_address = models.CharField(_("sender address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    taken_at = models.DateTimeField(_("taken at"))
    attachments = models.ManyToManyField("cases.Attachment", blank=True, related_name="+")
    # [{"name": original file name, "reason": why the content check refused it}]
    refused_attachments = models.JSONField(default=list, blank=True)
    # A reply from another address than the case's customer email is filed all the same, marked.
    sender_is_customer = models.BooleanField(_("sent by the customer's address"), null=True)
    # A new email case waits for the clerk to confirm its category (the default was guessed).
    classified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    classified_at = models.DateTimeField(_("category confirmed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["case", "received_at"], name="inbound_mail_case"),
            models.Index(fields=["received_at"], name="inbound_mail_unclassified",
                         condition=models.Q(kind="new_case", classified_at__isnull=True)),
        ]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.received_at):%Y-%m-%d %H:%M}"

    @property
    def awaiting_classification(self):
        return self.kind == self.Kind.NEW_CASE and self.classified_at is None


class UnreadableMail(models.Model):
    """A mail left in its mailbox because it could not be read, reported once.

    Keyed by the mail's place (mailbox, UIDVALIDITY, UID): a mail without a usable Message-ID
    is one of the things that can be wrong. Resolved when the mail has left the folder (someone
    handled it by hand)."""

    class Reason(models.TextChoices):
        TOO_LARGE = "too_large", _("Larger than the size limit (EMAIL_INTAKE_MAX_MB)")
        NO_SENDER = "no_sender", _("No valid sender address")
        BROKEN = "broken", _("Broken MIME structure: parts of the mail are missing")
        UNDECODABLE = "undecodable", _("The mail could not be decoded")
        EMPTY = "empty", _("No subject, no text and no attachment")
        REFUSED = "refused", _("The complaint could not be registered from it")

    mailbox = models.CharField(_("mailbox"), max_length=200)
    uidvalidity = models.PositiveBigIntegerField()
    uid = models.PositiveBigIntegerField()
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    first_seen_at = models.DateTimeField(_("first seen at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    times_seen = models.PositiveIntegerField(_("times seen"), default=1)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="unreadable_mail_place"),
        ]
        verbose_name = _("unreadable mail")
        verbose_name_plural = _("unreadable mails")

    def __str__(self):
        return f"{self.mailbox} UID {self.uid}"
