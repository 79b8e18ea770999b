"""Early-warning records (SPEC §13): surge alerts with the cases behind them.

Imported by assessment/models.py, so the app label stays ``assessment``. Alerts carry
django-simple-history: the acknowledgement (who, when, the note) is a change of the row.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

User = settings.AUTH_USER_MODEL

__all__ = ["SurgeAlert"]


class SurgeAlert(models.Model):
    """More complaints of one product line, dispute type or department in the last window than
    the windows before would explain (mean + sigma standard deviations, and at least a minimum).

    The figures are kept as computed, so the alert still explains itself after the settings
    change. One alert per key and spike: the job raises none while an earlier alert's window
    overlaps the current one (a spike stays in the window for several days).
    """

    class Dimension(models.TextChoices):
        PRODUCT_LINE = "product_line", _("Product line")
        DISPUTE_TYPE = "dispute_type", _("Dispute type")
        DEPARTMENT = "department", _("Department")

    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    key = models.CharField(_("key"), max_length=100)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"), help_text=_("Last day of the window"))
    count = models.PositiveIntegerField(_("complaints in the window"))
    mean = models.DecimalField(_("mean of the earlier windows"), max_digits=10, decimal_places=2)
    stdev = models.DecimalField(_("standard deviation"), max_digits=10, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=2)
    history_windows = models.PositiveSmallIntegerField(_("earlier windows compared"))
    raised_at = models.DateTimeField(_("raised at"))
    cases = models.ManyToManyField("cases.Complaint", related_name="surge_alerts", verbose_name=_("cases"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("acknowledged by"))
    note = models.TextField(_("acknowledgement note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-window_end", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key", "window_end"], name="surge_alert_unique"),
        ]
        verbose_name = _("surge alert")
        verbose_name_plural = _("surge alerts")

    def __str__(self):
        return f"{self.get_dimension_display()} {self.key} {self.window_end:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.acknowledged_at is None
