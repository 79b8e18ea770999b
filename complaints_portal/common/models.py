from django.db import models


class TimeStampedModel(models.Model):
    """Base for the project's models: creation and last-change times, both aware."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
