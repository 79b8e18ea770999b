"""Query filters of GET /api/v1/complaints/ (SPEC §9). They narrow a queryset that is already
limited to the cases the user may see."""
import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from ..models import Complaint
from ..models.case import OPEN_STATUSES, Category, Channel, Status


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or absent); any other value is refused (400) instead of read as "absent",
    which listed every case for `?overdue=yes` as if no filter had been asked for."""

    def to_python(self, value):
        if value in (None, "", True, False):
            return None if value == "" else value
        raise ValidationError(_("Use true or false."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanWidget(BooleanWidget):
    """BooleanWidget, handing a value it does not know to the field (which refuses it) instead of None."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if value is None and raw not in (None, "") else value


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictBooleanWidget)
        super().__init__(*args, **kwargs)


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    department = django_filters.CharFilter(field_name="department__code", help_text=_("Department code."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    overdue = StrictBooleanFilter(
        method="filter_overdue", help_text=_("true: open cases whose nearest due date has passed.")
    )
    received_after = django_filters.DateFilter(
        field_name="received_at", method="filter_received_after", help_text=_("Received on or after (local date).")
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", method="filter_received_before", help_text=_("Received on or before (local date).")
    )

    class Meta:
        model = Complaint
        fields = ["status", "department", "category", "channel", "overdue", "received_after", "received_before"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, next_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    # The dates are local dates (SPEC §4): `received_at__date` converts in the active time zone.
    def filter_received_after(self, queryset, name, value):
        return queryset.filter(received_at__date__gte=value)

    def filter_received_before(self, queryset, name, value):
        return queryset.filter(received_at__date__lte=value)
