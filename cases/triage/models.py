from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TriageModel(models.Model):
    """One trained version of the triage classifiers. Written once by
    cases.triage.services.triage_model_train and never changed, so that a process may keep a
    version it has loaded for as long as it likes; the newest version is the one in use."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Command")
        MONTHLY = "monthly", _("Monthly job")

    version = models.AutoField(_("version"), primary_key=True)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    # Local year and month of training: the monthly job trains at most once per month.
    period = models.CharField(_("month"), max_length=7)
    trigger = models.CharField(_("trained by"), max_length=10, choices=Trigger.choices)
    training_size = models.PositiveIntegerField(_("closed cases used"))
    # {target: {"train", "test", "top1", "top3", "baseline", "classes"}} on the held-out split.
    metrics = models.JSONField(_("held-out accuracy"))
    # Hyperparameters, seed, tokenizer id, feature counts, targets, training seconds.
    parameters = models.JSONField(_("parameters"))
    # The fitted vocabularies, idf and coefficients: a compressed .npz of plain arrays, read
    # with allow_pickle=False (cases.triage.predictor).
    weights = models.BinaryField(_("weights"))
    weights_sha256 = models.CharField(_("SHA-256 of the weights"), max_length=64)

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["period"], condition=models.Q(trigger="monthly"),
                                    name="triage_one_monthly_model_per_month"),
        ]

    def __str__(self):
        return f"v{self.version}"


# What a suggestion is made for: fields of the case, each with its `<target>_accepted` below.
TARGETS = ("category", "dispute_type", "department")


class TriageSuggestion(models.Model):
    """What the model suggested for a case the clerk registered, and whether the clerk's final
    choice for each target was the first suggestion (None: no suggestion for that target, or
    the clerk chose nothing). Written once, at registration."""

    case = models.OneToOneField("cases.Complaint", on_delete=models.CASCADE, related_name="triage_suggestion",
                                verbose_name=_("case"))
    model = models.ForeignKey(TriageModel, on_delete=models.PROTECT, related_name="suggestions",
                              verbose_name=_("model version"))
    created_at = models.DateTimeField(_("suggested at"), default=timezone.now)
    # {target: [[value, score], ...]}: the top three per target, best first.
    ranked = models.JSONField(_("suggestions"))
    category_accepted = models.BooleanField(_("category was the first suggestion"), null=True)
    dispute_type_accepted = models.BooleanField(_("dispute type was the first suggestion"), null=True)
    department_accepted = models.BooleanField(_("department was the first suggestion"), null=True)

    class Meta:
        verbose_name = _("triage suggestion")
        verbose_name_plural = _("triage suggestions")

    def __str__(self):
        return f"{self.case_id} v{self.model_id}"
