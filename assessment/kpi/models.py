from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.deadlines import STAGE_ORDER
from complaints_portal.common.display import described, local_moment
from complaints_portal.common.models import TimeStampedModel

from .periods import PERIOD_VALIDATOR


class FollowUpAttempt(models.Model):
    """One try at reaching the customer after the decision (回访)."""

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="followup_attempts")
    at = models.DateTimeField(_("time"))
    channel = models.CharField(_("channel"), max_length=20, default="phone")
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]
        verbose_name = _("follow-up attempt")
        verbose_name_plural = _("follow-up attempts")

    def __str__(self):
        return described(self, self.case.reference, local_moment(self.at))


class FollowUpVisit(models.Model):
    """The outcome of a follow-up visit. Only `completed` visits count as revisited (SPEC §5);
    the first completed visit of a case is the one the satisfaction rate uses."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        UNREACHABLE = "unreachable", _("Unreachable")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="followups")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    visited_at = models.DateTimeField(_("visited at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The case's department, which a failed visit counts for: a copy kept by kpi/readmodel.py.
    department = models.ForeignKey(
        "cases.Department", null=True, blank=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["department"])

    class Meta:
        ordering = ["visited_at", "id"]
        indexes = [
            # The visits of a period counted by department and outcome from the index alone.
            models.Index(fields=["visited_at"], name="followup_visited", include=["department", "outcome"]),
            # "First completed visit of the case", looked up by the KPI read model's writer.
            models.Index(
                fields=["case", "visited_at", "id"], name="followup_completed",
                condition=models.Q(outcome="completed"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="completed", rating__gte=1, rating__lte=5)
                | (~models.Q(outcome="completed") & models.Q(rating__isnull=True)),
                name="followup_rating_iff_completed",
            )
        ]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self):
        return described(self, self.case.reference, local_moment(self.visited_at))


class PolicyVolume(TimeStampedModel):
    """Input to the complaint rate: policies underwritten per department and quarter."""

    period = models.CharField(_("period"), max_length=6, validators=[PERIOD_VALIDATOR])
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="policy_volumes")
    new_policies = models.PositiveIntegerField(_("new policies"))
    policies_in_force = models.PositiveIntegerField(_("policies in force"), null=True, blank=True)
    premium = models.DecimalField(_("premium (CNY)"), max_digits=18, decimal_places=2, null=True, blank=True)
    insured_persons = models.PositiveIntegerField(_("insured persons"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "department"], name="volume_unique")]
        ordering = ["period", "department__code"]
        verbose_name = _("policy volume")
        verbose_name_plural = _("policy volumes")

    def __str__(self):
        return described(self, self.period, self.department.name if self.department_id else _("Whole company"))


class Target(TimeStampedModel):
    """KPI targets per department (blank = company) and period, set by the supervisor."""

    period = models.CharField(_("period"), max_length=6, validators=[PERIOD_VALIDATOR])
    department = models.ForeignKey(
        "cases.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="targets"
    )
    complaint_rate = models.DecimalField(_("complaint rate target (%)"), max_digits=9, decimal_places=4, null=True, blank=True)
    on_time_rate = models.DecimalField(_("on-time rate target (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    satisfaction_rate = models.DecimalField(_("satisfaction target (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "department"], name="target_unique"),
            models.UniqueConstraint(
                fields=["period"], condition=models.Q(department__isnull=True), name="target_company_unique"
            ),
        ]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")

    def __str__(self):
        return described(self, self.period, self.department.name if self.department_id else _("Whole company"))


class KpiSnapshot(models.Model):
    """Stored figures of one period as of a date, with the rule version that produced them,
    so that a published figure can be reproduced and compared with a recomputation."""

    period = models.CharField(_("period"), max_length=6, validators=[PERIOD_VALIDATOR])
    as_of = models.DateField(_("as of"))
    rule_version = models.CharField(_("rule version"), max_length=20)
    rows = models.JSONField(_("figures"))
    inputs_at = models.DateTimeField(_("inputs last changed at"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")

    def __str__(self):
        return described(self, self.period, self.as_of)


class KpiCase(models.Model):
    """The KPI read model (SPEC §5): one row per case with what the rules of kpi/rules.py judge,
    deadline moments as local dates (no time zone converted per row). Written only by
    kpi/readmodel.py in the transaction of the change it reflects; rebuilt by ``manage.py
    kpi_rebuild``. It holds inputs, not judgements: a rule change needs no rebuild."""

    case = models.OneToOneField("cases.Complaint", primary_key=True, on_delete=models.CASCADE, related_name="kpi")
    # The case's department (a copy: no constraint or index of its own).
    department = models.ForeignKey(
        "cases.Department", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    received_at = models.DateTimeField()  # the original D0: periods are ranges of instants
    complaint_type = models.CharField(max_length=20)
    merged = models.BooleanField()  # merged into another case
    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=20)
    dispute_type = models.CharField(max_length=20, blank=True)
    root_cause = models.CharField(max_length=30, blank=True)
    customer_flags = models.CharField(max_length=100, blank=True)  # as the case's (cases.flags)
    due_overall = models.DateField(null=True)
    notified_on = models.DateField(null=True)  # the first round's decision notice
    withdrawn_on = models.DateField(null=True)
    # Withdrawn while no decision had been notified (the notice, if any, came later).
    withdrawn_before_decision = models.BooleanField()
    first_visit_at = models.DateTimeField(null=True)  # the case's first completed follow-up visit
    first_visit_rating = models.PositiveSmallIntegerField(null=True)
    # Then, for each stage of STAGE_ORDER, <stage>_due, <stage>_met and <stage>_stopped (below).

    class Meta:
        # A quarter's rows read from covering indexes alone (from the table they took 200 ms
        # of the KPI table's 500 at a million cases: they lie on nearly every page).
        indexes = [
            models.Index(fields=["received_at"], name="kpi_cohort", include=[
                "department", "complaint_type", "merged", "channel", "due_overall", "notified_on", "withdrawn_on",
                "withdrawn_before_decision",
                *(f"{stage.value}_{suffix}" for stage in STAGE_ORDER for suffix in ("due", "met", "stopped")),
            ]),
            models.Index(fields=["received_at"], name="kpi_volumes", include=[
                "department", "complaint_type", "merged", "category", "channel", "dispute_type", "root_cause",
                "customer_flags",
            ]),
            models.Index(
                fields=["first_visit_at"], name="kpi_first_visit", include=["department", "first_visit_rating"],
                condition=models.Q(first_visit_at__isnull=False),
            ),
        ]


def _add_stage_fields(model):
    """Each stage's due date and the local dates its act was done (met) or its tracking ended
    without the act (stopped); all NULL when the case has no deadline for the stage."""
    for stage in STAGE_ORDER:
        for suffix in ("due", "met", "stopped"):
            model.add_to_class(f"{stage.value}_{suffix}", models.DateField(null=True))


_add_stage_fields(KpiCase)


class KpiChange(models.Model):
    """A change stamp of a finished quarter's KPI inputs, written by the read model's writer
    with the change; part of the cache key of the quarter's figures (kpi/cache.py)."""

    quarter = models.CharField(max_length=6)

    class Meta:
        indexes = [models.Index(fields=["quarter", "-id"], name="kpi_change_latest")]


# Importable path for drf-spectacular's ENUM_NAME_OVERRIDES (nested classes cannot be named there).
FOLLOWUP_OUTCOME_CHOICES = FollowUpVisit.Outcome.choices
