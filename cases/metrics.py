"""Case figures for the Prometheus endpoint (complaints_portal.common.metrics), read at scrape time."""
from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Complaint
from .models.case import OPEN_STATUSES


def overdue_open_cases():
    """{department code: open cases whose nearest due date has passed} — the API's
    ``overdue=true`` filter, over every case. Served by the partial index of open cases."""
    rows = (
        Complaint.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True,
                                 next_due__lt=timezone.localdate())
        .values("department__code").annotate(n=Count("id")).order_by()
    )
    return {row["department__code"] or "": row["n"] for row in rows}


class OverdueCasesCollector:
    def collect(self):
        gauge = GaugeMetricFamily(
            "portal_overdue_open_cases", "Open cases past their nearest due date, per department.",
            labels=["department"],
        )
        for code, count in sorted(overdue_open_cases().items()):
            gauge.add_metric([code], count)
        yield gauge
