from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints_portal.common.models import TimeStampedModel


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
