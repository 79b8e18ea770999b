"""Mediation of a complaint by a mediation organisation (SPEC §11, Arts. 23, 24, 40)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .parts import Pause

User = settings.AUTH_USER_MODEL


class Mediation(models.Model):
    """One mediation: started with the customer's consent, it stops the deadline clock through
    its pause (kind "mediation") until it ends; an agreement has terms and a date by which the
    company performs it, which the deadline sweep watches (SPEC §11)."""

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement")
        NO_AGREEMENT = "no_agreement", _("No agreement")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="mediations")
    organisation = models.CharField(_("mediation organisation"), max_length=200)
    mediator = models.CharField(_("mediator"), max_length=100, blank=True)
    consent = models.BooleanField(_("customer consents"), default=False)
    started_on = models.DateField(_("started on"))
    pause = models.OneToOneField(Pause, on_delete=models.PROTECT, related_name="mediation", null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    terms = models.TextField(_("terms agreed"), blank=True)
    performance_due = models.DateField(_("to be performed by"), null=True, blank=True)
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("supervisor told of late performance at"), null=True, blank=True)
    # The sweep's stamp is a conditional update (two sweeps never both notify): not history.
    history = HistoricalRecords(excluded_fields=["overdue_notified_at"])

    class Meta:
        ordering = ["started_on", "id"]
        indexes = [models.Index(fields=["performance_due"], name="mediation_unperformed",
                                condition=models.Q(outcome="agreement", performed_on__isnull=True,
                                                   overdue_notified_at__isnull=True))]
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")

    def __str__(self):
        return f"{self.case_id} {self.organisation} {self.started_on}"

    @property
    def performed_late(self):
        return bool(self.performance_due and self.performed_on and self.performed_on > self.performance_due)
