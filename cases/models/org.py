from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints_portal.common.models import TimeStampedModel

from .case import Category, Channel, DisputeType


class Department(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return f"{self.code} {self.name}"


class DepartmentMembership(TimeStampedModel):
    """A user's place in a department. A user may belong to several departments."""

    class Role(models.TextChoices):
        INVESTIGATOR = "investigator", _("Investigator")
        HEAD = "head", _("Department head")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.INVESTIGATOR)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="membership_unique")]
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")

    def __str__(self):
        return f"{self.user} @ {self.department.code} ({self.role})"


class RoutingRule(TimeStampedModel):
    """Which department a kind of complaint goes to (SPEC §14), pre-filled in the intake and
    dispatch forms: the most specific matching rule wins, then the lower priority (cases.routing)."""

    category = models.CharField(_("category"), max_length=20, blank=True, choices=Category.choices)
    dispute_type = models.CharField(_("dispute type"), max_length=20, blank=True, choices=DisputeType.choices)
    channel = models.CharField(_("channel"), max_length=20, blank=True, choices=Channel.choices)
    product_line = models.CharField(_("product line contains"), max_length=100, blank=True)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="routing_rules")
    priority = models.PositiveSmallIntegerField(_("priority"), default=100,
                                                help_text=_("Among equally specific rules, the lower number wins."))
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    CONDITIONS = ("category", "dispute_type", "channel", "product_line")

    def __str__(self):
        shown = [str(getattr(self, f"get_{name}_display")()) for name in self.CONDITIONS[:3] if getattr(self, name)]
        if self.product_line:
            shown.append(self.product_line)
        conditions = " · ".join(shown) or _("Any complaint")
        return f"{conditions} → {self.department.name}"


class Absence(TimeStampedModel):
    """A colleague away from ``start`` to ``end`` (inclusive): their deadline reminders and
    escalations also go to ``substitute`` on those days (SPEC §14; cases.sweep)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("absent colleague"), on_delete=models.CASCADE,
                             related_name="absences")
    substitute = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("substitute"), on_delete=models.PROTECT,
                                   related_name="substitutions")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="absence_ends_after_start"),
            models.CheckConstraint(condition=~models.Q(substitute=models.F("user")), name="absence_other_substitute"),
        ]

    def __str__(self):
        return f"{self.user} {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d} → {self.substitute}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The absence cannot end before it starts.")})
        if self.user_id and self.user_id == self.substitute_id:
            raise ValidationError({"substitute": _("Choose a colleague other than the absent one.")})
