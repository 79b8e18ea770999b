"""What the KPI results feed (SPEC §6): bonus rules and quarterly proposals, promotion
thresholds, training topics and plans."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.case import RootCause
from complaints_portal.common.display import described, local_moment
from complaints_portal.common.models import TimeStampedModel

from . import reasons

__all__ = [
    "BonusRuleSet", "BonusTier", "BonusApproval", "BonusProposal", "PromotionPolicy",
    "TrainingTopic", "RootCauseTopic", "TrainingPlan",
]

QUARTER_VALIDATOR = RegexValidator(r"^\d{4}Q[1-4]$", _("Use a quarter like 2026Q3."))


class BonusRuleSet(TimeStampedModel):
    """One version of the bonus rules, in force for the quarters ``effective_from`` ..
    ``effective_to`` (open-ended when blank). Versions are never edited once a proposal used
    them; the editor saves a new version. When versions overlap, the highest version wins."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.CharField(_("in force from (quarter)"), max_length=6, validators=[QUARTER_VALIDATOR])
    effective_to = models.CharField(
        _("in force until (quarter)"), max_length=6, blank=True, validators=[QUARTER_VALIDATOR]
    )
    weight_complaint_rate = models.DecimalField(_("weight: complaint rate"), max_digits=5, decimal_places=2,
                                                default=Decimal("0.40"), validators=[MinValueValidator(0)])
    weight_on_time_rate = models.DecimalField(_("weight: on-time rate"), max_digits=5, decimal_places=2,
                                              default=Decimal("0.30"), validators=[MinValueValidator(0)])
    weight_satisfaction_rate = models.DecimalField(_("weight: satisfaction rate"), max_digits=5, decimal_places=2,
                                                   default=Decimal("0.30"), validators=[MinValueValidator(0)])
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("bonus rule set")
        verbose_name_plural = _("bonus rule sets")

    def __str__(self):
        until = self.effective_to or "…"
        return f"v{self.version} {self.name} ({self.effective_from}–{until})"

    @property
    def weights(self):
        return {
            "complaint_rate": self.weight_complaint_rate,
            "on_time_rate": self.weight_on_time_rate,
            "satisfaction_rate": self.weight_satisfaction_rate,
        }


class Operator(models.TextChoices):
    LTE = "lte", "≤"
    LT = "lt", "<"
    GTE = "gte", "≥"
    GT = "gt", ">"


class BonusTier(models.Model):
    """One tier: up to one condition per KPI (blank operator = no condition), combined by ALL
    or ANY, and the adjustment it gives. The complaint-rate threshold is in percentage points
    relative to the department's target (−0.01 = "at least 0.01 points below target")."""

    class Combine(models.TextChoices):
        ALL = "all", _("All conditions (AND)")
        ANY = "any", _("Any condition (OR)")

    rule_set = models.ForeignKey(BonusRuleSet, on_delete=models.CASCADE, related_name="tiers")
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("label"), max_length=100)
    combine = models.CharField(_("combine"), max_length=3, choices=Combine.choices, default=Combine.ALL)
    complaint_op = models.CharField(_("complaint rate"), max_length=3, choices=Operator.choices, blank=True)
    complaint_delta = models.DecimalField(_("points relative to target"), max_digits=9, decimal_places=4,
                                          null=True, blank=True)
    on_time_op = models.CharField(_("on-time rate"), max_length=3, choices=Operator.choices, blank=True)
    on_time_threshold = models.DecimalField(_("on-time threshold (%)"), max_digits=6, decimal_places=2,
                                            null=True, blank=True)
    satisfaction_op = models.CharField(_("satisfaction rate"), max_length=3, choices=Operator.choices, blank=True)
    satisfaction_threshold = models.DecimalField(_("satisfaction threshold (%)"), max_digits=6, decimal_places=2,
                                                 null=True, blank=True)
    adjustment_percent = models.DecimalField(_("adjustment (%)"), max_digits=6, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule_set", "order"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "order"], name="bonus_tier_order_unique")]
        verbose_name = _("bonus tier")
        verbose_name_plural = _("bonus tiers")

    def __str__(self):
        return f"{self.order}. {self.label}"


class BonusApproval(models.Model):
    """One approval act on a quarter's proposals, with the confirmations the supervisor gave
    (approving again, approving while cases are still pending)."""

    quarter = models.CharField(_("quarter"), max_length=6, validators=[QUARTER_VALIDATOR])
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"))
    pending_cases = models.PositiveIntegerField(_("pending cases at approval"), default=0)
    already_approved = models.PositiveIntegerField(_("departments already approved"), default=0)
    confirmed = models.BooleanField(_("explicitly confirmed"), default=False)
    note = models.TextField(_("note"), blank=True)
    # A note the portal writes (a correction's) is a code and parameters, written in the reader's
    # language when read (reasons.py); ``note`` is the supervisor's own note, or an earlier row's text.
    note_code = models.CharField(_("note code"), max_length=20, blank=True)
    note_params = models.JSONField(_("note parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("bonus approval")
        verbose_name_plural = _("bonus approvals")

    def __str__(self):
        return described(self, self.quarter, local_moment(self.approved_at))

    @property
    def note_text(self):
        """The note in the active language."""
        return reasons.approval_note(self)


class BonusProposal(TimeStampedModel):
    """A department's bonus adjustment for a quarter, one row per version (the highest is current);
    an APPROVED row is frozen: a correction adds a version."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")

    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="bonus_proposals")
    quarter = models.CharField(_("quarter"), max_length=6, validators=[QUARTER_VALIDATOR])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    rule_set = models.ForeignKey(BonusRuleSet, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="proposals")
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)
    tier_order = models.PositiveSmallIntegerField(_("matched tier"), null=True, blank=True)
    tier_label = models.CharField(_("matched tier"), max_length=100, blank=True)
    adjustment_percent = models.DecimalField(_("adjustment (%)"), max_digits=6, decimal_places=2)
    composite_score = models.DecimalField(_("composite score"), max_digits=7, decimal_places=2, null=True,
                                          blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    as_of = models.DateField(_("KPIs as of"))
    # The reason is a code and its parameters, written in the reader's language when read
    # (reasons.py); ``reason`` keeps the text of rows computed before codes were stored.
    reason_code = models.CharField(_("reason code"), max_length=20, blank=True)
    reason_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    reason = models.TextField(_("reason (text of earlier rows)"), blank=True)
    correction_reason = models.TextField(_("correction reason"), blank=True)
    approval = models.ForeignKey(BonusApproval, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="proposals")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["quarter", "department__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["department", "quarter", "version"], name="bonus_proposal_version"),
            models.CheckConstraint(
                condition=models.Q(state="proposed") | models.Q(approved_at__isnull=False),
                name="bonus_approved_has_time",
            ),
        ]
        verbose_name = _("bonus proposal")
        verbose_name_plural = _("bonus proposals")

    def __str__(self):
        return f"{self.quarter} {self.department.code} v{self.version}"

    @property
    def is_frozen(self):
        return self.state == self.State.APPROVED

    @property
    def reason_text(self):
        """The reason in the active language (the stored text for an earlier row)."""
        return reasons.proposal_reason(self)


class PromotionPolicy(TimeStampedModel):
    """Thresholds of the promotion and award review (the latest row applies; defaults below
    when there is none). Kept as a model so the supervisor can change them in admin and each
    report states the values it used."""

    below_average_ratio = models.DecimalField(
        _("“clearly below average”: at most this share of the average"), max_digits=4, decimal_places=2,
        default=Decimal("0.50"), validators=[MinValueValidator(0), MaxValueValidator(1)])
    min_cases = models.PositiveIntegerField(_("minimum cases handled"), default=5)
    on_time_min = models.DecimalField(_("minimum on-time rate (%)"), max_digits=5, decimal_places=2,
                                      default=Decimal("95"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    satisfaction_min = models.DecimalField(_("minimum satisfaction rate (%)"), max_digits=5, decimal_places=2,
                                           default=Decimal("90"),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    plus_points = models.PositiveSmallIntegerField(_("plus points"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("promotion policy")
        verbose_name_plural = _("promotion policies")

    def __str__(self):
        return described(self, local_moment(self.created_at))


class TrainingTopic(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("training topic")
        verbose_name_plural = _("training topics")

    def __str__(self):
        return self.name


class RootCauseTopic(models.Model):
    """Which training topic addresses a root cause (cases.models.case.RootCause)."""

    root_cause = models.CharField(_("root cause"), max_length=30, unique=True, choices=RootCause.choices)
    topic = models.ForeignKey(TrainingTopic, on_delete=models.PROTECT, related_name="root_causes")
    history = HistoricalRecords()

    class Meta:
        ordering = ["root_cause"]
        verbose_name = _("root cause → training topic")
        verbose_name_plural = _("root causes → training topics")

    def __str__(self):
        return f"{self.root_cause} → {self.topic}"


class TrainingPlan(TimeStampedModel):
    topic = models.ForeignKey(TrainingTopic, on_delete=models.PROTECT, related_name="plans")
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="training_plans")
    period = models.CharField(_("from the needs of period"), max_length=6, blank=True)
    audience = models.CharField(_("audience"), max_length=200)
    date = models.DateField(_("training date"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")

    def __str__(self):
        return f"{self.topic} — {self.department.code} {self.date}"
