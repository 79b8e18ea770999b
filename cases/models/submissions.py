"""One-time submission keys: a form's token or an API client's Idempotency-Key (SPEC §3)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKey(models.Model):
    """The key a registration was submitted under, written in the same transaction as the case.

    The unique (scope, key) is what makes a double submit register one case: a second insert of
    the same key waits for the first transaction and then fails, in any number of workers, and a
    registration that fails leaves no key behind. ``fingerprint`` is the API body's digest (a
    key sent again with another body is an error); rows older than the time a key is honoured
    are reusable and purged daily (cases.services.submissions)."""

    scope = models.CharField(_("scope"), max_length=40)  # public_form, intake_form:<user id>, api:<user id>
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("body digest"), max_length=64, blank=True)
    case = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="submission_key_unique")]
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")

    def __str__(self):
        return f"{self.scope} {self.key}"
