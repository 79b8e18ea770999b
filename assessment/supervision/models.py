"""Supervision records (SPEC §7): spot checks, rectifications, corrective actions, monthly
reports (app label ``assessment``); the checklist and the tracked items keep history."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from assessment.kpi.periods import PERIOD_VALIDATOR
from cases.models.case import RootCause
from complaints_portal.common.display import described

User = settings.AUTH_USER_MODEL

__all__ = [
    "ChecklistItem",
    "CorrectiveAction",
    "MonthlyReport",
    "Rectification",
    "SpotCheck",
    "SpotCheckItem",
    "SpotCheckResult",
]


class ChecklistItem(models.Model):
    """One question a spot-check reviewer answers pass/fail for each sampled case (admin-configured)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.label


class SpotCheck(models.Model):
    """A reproducible random sample of one department's closed cases of one period (population by
    reference, ``random.Random(seed)``); one draw in force, a replacement keeps the old one."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In force")
        REPLACED = "replaced", _("Replaced")

    period = models.CharField(_("period"), max_length=6, validators=[PERIOD_VALIDATOR])
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="spot_checks",
                                   verbose_name=_("department"))
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    sample_percent = models.DecimalField(_("sample percentage"), max_digits=5, decimal_places=2, null=True, blank=True)
    seed = models.CharField(_("random seed"), max_length=64)
    population_size = models.PositiveIntegerField(_("closed cases in the period"))
    drawn_count = models.PositiveIntegerField(_("cases drawn"))
    took_all = models.BooleanField(_("whole population taken"), default=False)
    drawn_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    replace_reason = models.TextField(_("reason for replacing the earlier draw"), blank=True)
    cases = models.ManyToManyField("cases.Complaint", through="SpotCheckItem", related_name="spot_checks")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-drawn_at"]
        constraints = [
            models.UniqueConstraint(fields=["period", "department"], condition=models.Q(state="active"),
                                    name="spot_check_one_active"),
            models.CheckConstraint(
                condition=models.Q(sample_size__isnull=False) | models.Q(sample_percent__isnull=False),
                name="spot_check_size_or_percent",
            ),
        ]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self):
        return f"{self.period} {self.department.code}"


class SpotCheckItem(models.Model):
    """One sampled case and its review."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Complaint", on_delete=models.PROTECT, related_name="spot_check_items")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    note = models.TextField(_("note"), blank=True)
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["case__reference"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "case"], name="spot_check_item_unique")]
        verbose_name = _("spot-check item")
        verbose_name_plural = _("spot-check items")

    def __str__(self):
        return described(self, self.case.reference)


class SpotCheckResult(models.Model):
    """The answer to one checklist item for one sampled case."""

    item = models.ForeignKey(SpotCheckItem, on_delete=models.CASCADE, related_name="results")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["checklist_item__order", "checklist_item__code"]
        constraints = [models.UniqueConstraint(fields=["item", "checklist_item"], name="spot_check_result_unique")]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")

    def __str__(self):
        return described(self, self.checklist_item)


class Rectification(models.Model):
    """Work a department owes after a failed spot-check item, tracked to a closure with a note."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", pgettext_lazy("rectification", "Closed")

    item = models.ForeignKey(SpotCheckItem, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="rectifications", verbose_name=_("spot-check item"))
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="rectifications",
                                   verbose_name=_("department"))
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("owner"))
    description = models.TextField(_("what must be rectified"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closing_note = models.TextField(_("closing note"), blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opened at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="rectification_open_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status="open") | ~models.Q(closing_note=""),
                                   name="rectification_closed_has_note"),
        ]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self):
        return described(self, f"#{self.pk}", self.department.name if self.department_id else "")


class CorrectiveAction(models.Model):
    """The correction of a closed at-fault case's root cause, with an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Completed")

    case = models.OneToOneField("cases.Complaint", on_delete=models.PROTECT, related_name="corrective",
                                verbose_name=_("case"))
    department = models.ForeignKey("cases.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="corrective_actions", verbose_name=_("department"))
    root_cause = models.CharField(_("root cause"), max_length=30, choices=RootCause.choices)
    description = models.TextField(_("corrective action"))
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="corrective_actions",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completion_note = models.TextField(_("completion note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="corrective_open_due")]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self):
        return described(self, f"#{self.pk}", self.case.reference)


class MonthlyReport(models.Model):
    """A department's figures for one calendar month, stored as generated (job or on demand)."""

    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="monthly_reports",
                                   verbose_name=_("department"))
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    figures = models.JSONField(_("figures"))
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("generated by"))

    class Meta:
        ordering = ["-month", "department__code"]
        constraints = [models.UniqueConstraint(fields=["department", "month"], name="monthly_report_unique")]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self):
        return described(self, self.month.strftime("%Y-%m"), self.department.name)
