from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerFlag(models.TextChoices):
    """A customer who needs particular care (SPEC §12)."""

    ELDERLY = "elderly", _("Elderly (60 or older)")
    DISABILITY = "disability", _("Disability")
    LANGUAGE_BARRIER = "language_barrier", _("Language barrier")
    OTHER = "other", _("Other need")
