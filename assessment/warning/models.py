"""Early-warning records (SPEC §13): surge alerts with the cases behind them, the keywords of the
organised-complaint signals and the supervisor's review of a case with signals.

Imported by assessment/models.py, so the app label stays ``assessment``. Alerts carry
django-simple-history: the acknowledgement (who, when, the note) is a change of the row.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

User = settings.AUTH_USER_MODEL

__all__ = ["OrganisedReview", "SignalKeyword", "SurgeAlert"]


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


class SignalKeyword(models.Model):
    """A word or phrase whose presence in a complaint's text is an organised-complaint signal
    (e.g. 代理退保, 全额退保); edited by the administrators."""

    word = models.CharField(_("keyword"), max_length=50, unique=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["word"]
        verbose_name = _("signal keyword")
        verbose_name_plural = _("signal keywords")

    def __str__(self):
        return self.word


class SignalKind(models.TextChoices):
    SHARED_PHONE = "shared_phone", _("Same phone as other complainants")
    SHARED_EMAIL = "shared_email", _("Same email as other complainants")
    SHARED_ADDRESS = "shared_address", _("Same address as other complainants")
    SHARED_AGENT = "shared_agent", _("Same agent as other complainants")
    SIMILAR_TEXT = "similar_text", _("Near-identical complaint text")
    AGENT_UNAUTHORISED = "agent_unauthorised", _("Agent without an authorisation on file")
    KEYWORD = "keyword", _("Keyword")


class OrganisedReview(models.Model):
    """A case with organised-complaint signals (SPEC §13), for a supervisor's review.

    ``signals`` is a list of {"kind", "related": [case ids], "value" (a keyword), "score" (the
    text similarity)}: the shared phone or address itself is not copied here (it is personal
    data, anonymised on the case). The case is never refused because of a signal: the review
    only records the supervisor's finding.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        GENUINE = "genuine", _("Genuine complaint")
        NOT_AUTHORISED = "not_authorised", _("Not filed by the complainant or an authorised agent (Art. 18)")

    case = models.OneToOneField("cases.Complaint", on_delete=models.CASCADE, related_name="organised_review",
                                verbose_name=_("case"))
    signals = models.JSONField(_("signals"), default=list)
    flagged_at = models.DateTimeField(_("flagged at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    evidence = models.TextField(_("evidence"), blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-flagged_at"]
        indexes = [models.Index(fields=["outcome", "flagged_at"], name="organised_review_queue")]
        verbose_name = _("organised-complaint review")
        verbose_name_plural = _("organised-complaint reviews")

    def __str__(self):
        return str(self.case_id)
