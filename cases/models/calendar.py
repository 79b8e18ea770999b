from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a holiday on a weekday, or a make-up workday
    (调休上班) on a weekend. Ordinary days are not stored."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.kind} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up days are known. Deadlines needing a date in a year
    that is not covered fail loudly instead of guessing (SPEC §4 rule 8)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("covered calendar year")
        verbose_name_plural = _("covered calendar years")

    def __str__(self):
        return str(self.year)
