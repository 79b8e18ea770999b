"""Query filters of GET /api/v1/complaints/ (SPEC §9). They narrow a queryset that is already
limited to the cases the user may see."""
import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Complaint
from ..models.case import OPEN_STATUSES, Category, Channel, Status


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    department = django_filters.CharFilter(field_name="department__code", help_text=_("Department code."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    overdue = django_filters.BooleanFilter(
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
