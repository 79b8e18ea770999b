"""The records a case accumulates. None is deleted by a user; corrections are new rows."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints_portal.common.display import described, local_moment
from complaints_portal.common.inserts import CompiledInsert

from .case import RootCause
from .deadlines import Tier

User = settings.AUTH_USER_MODEL


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        MEMBER = "member", _("Member")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="team")
    round = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_teams")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    recusal_attested = models.BooleanField(_("attests no direct interest"), default=False)
    attested_at = models.DateTimeField(null=True, blank=True)
    named_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    named_at = models.DateTimeField()
    # A team is ended, never deleted: when the case moves to another department (reassign) or
    # into a review round (dispute), its members lose the case from that moment (SPEC §1), and
    # the row stays as the record of who handled it.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round", "user"], condition=models.Q(ended_at__isnull=True), name="team_member_unique"
            )
        ]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return described(self, self.case.reference, self.user.get_full_name() or self.user.get_username(), self.get_role_display())


class Report(models.Model):
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="reports")
    round = models.PositiveSmallIntegerField(default=1)
    facts = models.TextField(_("facts"))
    at_fault = models.BooleanField(_("at fault"))
    responsible_staff = models.CharField(_("responsible staff"), max_length=200, blank=True)
    recommendation = models.TextField(_("recommendation"))
    root_cause = models.CharField(_("root cause"), max_length=30, choices=RootCause.choices, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at"]
        verbose_name = _("investigation report")
        verbose_name_plural = _("investigation reports")

    def __str__(self):
        return described(self, self.case.reference, _("round %(n)s") % {"n": self.round})


class Plan(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="plans")
    round = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(_("plan"))
    redress_amount = models.DecimalField(_("redress amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposed_at"]
        verbose_name = _("resolution plan")
        verbose_name_plural = _("resolution plans")

    def __str__(self):
        return described(self, self.case.reference, _("round %(n)s") % {"n": self.round})


class PlanApproval(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approver_role = models.CharField(_("role"), max_length=30)
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at"]
        verbose_name = _("plan approval")
        verbose_name_plural = _("plan approvals")

    def __str__(self):
        return described(self, self.plan.case.reference, local_moment(self.decided_at))


class Extension(models.Model):
    """A tier change. `counts` is False when it was recorded after the due date it extends:
    such an extension is kept for the record but does not move the deadline."""

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="extensions")
    from_tier = models.CharField(max_length=10, choices=Tier.choices)
    to_tier = models.CharField(max_length=10, choices=Tier.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    customer_told_at = models.DateTimeField(_("customer told at"), null=True, blank=True)
    due_before = models.DateField()
    counts = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return described(self, self.case.reference, self.get_to_tier_display())


class Pause(models.Model):
    class Kind(models.TextChoices):
        APPRAISAL = "appraisal", _("External appraisal")
        TESTING = "testing", _("Testing")
        VALUATION = "valuation", _("Valuation")
        MEDIATION = "mediation", _("Mediation")  # written by mediation_start only (SPEC §11)

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    customer_told_proof = models.CharField(_("proof the customer was told"), max_length=200)
    reason = models.TextField(_("why the appraisal is needed"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")

    def __str__(self):
        return described(self, self.case.reference, self.start)


class Decision(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_PERSON = "in_person", _("In person")
        AGREED = "agreed", _("A method agreed with the customer")

    class RedressKind(models.TextChoices):
        """How redress was paid (SPEC §13, the annual disclosure's redress by kind)."""

        STANDARD = "standard", _("Standard payment")
        CONCESSION = "concession", _("Concession (通融)")
        NEGOTIATED_SURRENDER = "negotiated_surrender", _("Negotiated surrender (协议解约)")
        OTHER = "other", _("Other redress")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField(default=1)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    # The parts of the notice Art. 19 names besides the decision and the remedies (SPEC §10).
    facts = models.TextField(_("facts verified"), blank=True)
    basis = models.TextField(_("basis and reasons"), blank=True)
    text = models.TextField(_("decision"))
    remedies = models.TextField(_("remedies open to the customer"), blank=True)
    redress_kind = models.CharField(_("redress kind"), max_length=30, choices=RedressKind.choices, blank=True)
    redress_amount = models.DecimalField(_("redress paid (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    notified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["notified_at"]
        verbose_name = _("decision notice")
        verbose_name_plural = _("decision notices")

    def __str__(self):
        return described(self, self.case.reference, _("round %(n)s") % {"n": self.round})


class CaseEvent(CompiledInsert, models.Model):
    """The case timeline: one row per thing that happened, written in the same transaction
    as the change itself (see cases/events.py)."""

    # No index of its own: event_case_at (case, at) leads with the case and serves every look-up
    # by case (the timeline, the cascade); another index only slowed every event's insert.
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.at}"


def attachment_path(instance, filename):
    # The stored name never carries the uploaded file name, which may hold personal data.
    return f"cases/{instance.case_id}/{instance.sha256[:16]}-{instance.uploaded_at:%Y%m%d%H%M%S%f}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        LETTER = "letter", _("Letter")
        RECORDING = "recording", _("Call recording")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EVIDENCE)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return described(self, self.case.reference, self.original_name)


class AccessLog(models.Model):
    """Who saw a full personal value (ID number, unmasked phone), when, on which case."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="access_logs")
    field = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=20, default="web")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self):
        return described(self, self.case.reference, local_moment(self.at))
