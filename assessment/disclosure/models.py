"""Industry medians the supervisor enters per period (e.g. the regulator's published medians),
with history: the disclosure page shows the company's deviation from each."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessment.kpi.periods import PERIOD_VALIDATOR

__all__ = ["IndustryMedian"]


class IndustryMedian(models.Model):
    class Metric(models.TextChoices):
        PER_10K_POLICIES = "per_10k_policies", _("Complaints per 10,000 policies in force")
        PER_100M_PREMIUM = "per_100m_premium", _("Complaints per CNY 100 million premium")
        PER_10K_INSURED = "per_10k_insured", _("Complaints per 10,000 insured persons")
        REGULATOR_SHARE = "regulator_share", _("Share of regulator referrals (%)")

    period = models.CharField(_("period"), max_length=6, validators=[PERIOD_VALIDATOR])
    metric = models.CharField(_("figure"), max_length=30, choices=Metric.choices)
    value = models.DecimalField(_("industry median"), max_digits=12, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period", "metric"]
        constraints = [models.UniqueConstraint(fields=["period", "metric"], name="industry_median_unique")]
        verbose_name = _("industry median")
        verbose_name_plural = _("industry medians")

    def __str__(self):
        return f"{self.period} {self.get_metric_display()}"
