from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints_portal.common.models import TimeStampedModel

from .flags import CustomerFlag


class Tier(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")
    SPECIAL = "special", _("Especially complex")


class Stage(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Contact the customer")
    DISPATCH = "dispatch", _("Dispatch to department")
    FORM_TEAM = "form_team", _("Investigation team formed")
    REPORT = "report", _("Investigation report")
    PLAN = "plan", _("Resolution plan")
    APPROVAL = "approval", _("Superior approval")
    DECISION = "decision", _("Decision notice")
    OVERALL = "overall", _("Regulatory deadline")
    REVIEW = "review", _("Review decision")
    # A major complaint's emergency report (SPEC §12): due in hours from the marking (due_at).
    EMERGENCY_REPORT = "emergency_report", _("Emergency report")


# Internal stages in lifecycle order; OVERALL and REVIEW are regulatory deadlines.
STAGE_ORDER = [
    Stage.ACKNOWLEDGE,
    Stage.DISPATCH,
    Stage.FORM_TEAM,
    Stage.REPORT,
    Stage.PLAN,
    Stage.APPROVAL,
    Stage.DECISION,
]


class DeadlinePolicy(TimeStampedModel):
    """A version of the deadline rules; a case keeps the version it was received under, and a
    version in use is copied to a new one rather than edited."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    simple_days = models.PositiveSmallIntegerField(_("simple tier, calendar days"), default=15)
    complex_days = models.PositiveSmallIntegerField(_("complex tier, calendar days"), default=30)
    special_days = models.PositiveSmallIntegerField(_("especially complex tier, calendar days"), default=60)
    review_days = models.PositiveSmallIntegerField(_("review, calendar days"), default=30)
    reminder_lead_days = models.PositiveSmallIntegerField(
        _("reminder lead, working days"), default=1, help_text=_("Remind the assignee this many working days before a due date.")
    )
    supervisor_escalation_working_days = models.PositiveSmallIntegerField(
        _("supervisor escalation, working days"), default=2,
        help_text=_("An overdue stage goes to the department head at once, and to the supervisor when it is still "
                    "overdue this many working days later (a passed regulatory deadline goes to both at once)."),
    )
    followup_working_days = models.PositiveSmallIntegerField(_("follow-up visit due, working days"), default=5)
    emergency_report_hours = models.PositiveSmallIntegerField(
        _("emergency report, hours"), default=24,
        help_text=_("A case marked major owes its emergency report this many hours after the marking."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self):
        return f"v{self.version} {self.name} ({self.effective_from})"

    def overall_days(self, tier):
        return {Tier.SIMPLE: self.simple_days, Tier.COMPLEX: self.complex_days, Tier.SPECIAL: self.special_days}[tier]


class StageRule(models.Model):
    """Working days from D0 for one stage. Blank category/channel means "any"; the most
    specific matching rule wins (category and channel > channel > category > any)."""

    policy = models.ForeignKey(DeadlinePolicy, on_delete=models.CASCADE, related_name="stage_rules")
    stage = models.CharField(_("stage"), max_length=20, choices=[(s.value, s.label) for s in STAGE_ORDER])
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.SIMPLE)
    category = models.CharField(_("category"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    # A faster rule for a customer who needs care (SPEC §12): applies to a case carrying the
    # flag when it gives fewer working days than the case's rule otherwise.
    customer_flag = models.CharField(_("customer flag"), max_length=20, blank=True, choices=CustomerFlag.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "stage", "tier", "category", "channel", "customer_flag"], name="stage_rule_unique"
            )
        ]
        ordering = ["policy", "tier", "stage"]
        verbose_name = _("stage deadline rule")
        verbose_name_plural = _("stage deadline rules")

    def __str__(self):
        scope = "/".join(x for x in (self.category, self.channel, self.customer_flag) if x) or "*"
        return f"{self.stage} {self.tier} {scope}: {self.working_days}"


class CaseDeadline(models.Model):
    """One due date of one case, how it was computed and what the sweep did about it (read through
    partial indexes on open rows, so the sweep's cost follows the rows falling due)."""

    # No index of its own: case_deadline_unique (case, stage) leads with the case and serves
    # every look-up by case; another index only slowed every insert.
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    due_on = models.DateField(_("due on"))
    # A deadline counted in hours (the emergency report): the moment it passes; due_on is its
    # local date, so queues and the sweep's indexes read it as any other row.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    explanation = models.TextField(_("how it was computed"), blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    # Tracking ended without the act being done (case withdrawn, merged or closed first).
    stopped_at = models.DateTimeField(_("tracking stopped at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    escalated_head_at = models.DateTimeField(null=True, blank=True)
    escalated_supervisor_at = models.DateTimeField(null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="case_deadline_unique")]
        indexes = [
            models.Index(fields=["due_on"], name="deadline_open_due", condition=models.Q(met_at__isnull=True, stopped_at__isnull=True)),
            # One partial index per sweep step, on exactly the rows that step still has to
            # handle: a sweep with nothing newly due reads no row (cases/sweep.py).
            models.Index(
                fields=["due_on"], name="deadline_to_remind",
                condition=models.Q(met_at__isnull=True, stopped_at__isnull=True, reminded_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="deadline_to_mark_overdue",
                condition=models.Q(met_at__isnull=True, stopped_at__isnull=True, overdue_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="deadline_to_escalate",
                condition=models.Q(met_at__isnull=True, stopped_at__isnull=True, overdue_at__isnull=False,
                                   escalated_supervisor_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="deadline_regulatory_at_risk",
                condition=models.Q(met_at__isnull=True, stopped_at__isnull=True, at_risk_notified_at__isnull=True,
                                   stage__in=["overall", "review"]),
            ),
        ]
        ordering = ["due_on"]
        verbose_name = _("case deadline")
        verbose_name_plural = _("case deadlines")

    def __str__(self):
        return f"{self.case_id} {self.stage} {self.due_on}"


class ConfigurationVersion(models.Model):
    """The row naming the deadline configuration's version (cases.deadlines.configuration)."""

    token = models.UUIDField()

    class Meta:
        verbose_name = _("deadline configuration version")
