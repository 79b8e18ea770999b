from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerFlag(models.TextChoices):
    """A customer who needs particular care (SPEC §12)."""

    ELDERLY = "elderly", _("Elderly (60 or older)")
    DISABILITY = "disability", _("Disability")
    LANGUAGE_BARRIER = "language_barrier", _("Language barrier")
    OTHER = "other", _("Other need")


class MajorReason(models.TextChoices):
    """Why a case is a major complaint (SPEC §12)."""

    IN_PERSON = "in_person", _("20 or more complainants in person")
    EMERGENCY = "emergency", _("Disaster or emergency")
    REGULATOR = "regulator", _("Designated by the regulator")
    MEDIA = "media", _("Media attention")
