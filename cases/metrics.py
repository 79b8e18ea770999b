"""Case figures for the Prometheus endpoint (complaints_portal.common.metrics), read at scrape time."""
from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Complaint, Department
from .models.case import OPEN_STATUSES


def overdue_open_cases():
    """{department code: open cases past their nearest due date}, counted by department id from
    the partial index case_open_queue alone (codes in a second, tiny query)."""
    rows = (
        Complaint.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True,
                                 next_due__lt=timezone.localdate())
        .values("department_id").annotate(n=Count("*")).order_by()
    )
    counts = {row["department_id"]: row["n"] for row in rows}
    codes = dict(Department.objects.filter(pk__in=[pk for pk in counts if pk]).values_list("pk", "code"))
    return {codes.get(pk, ""): n for pk, n in counts.items()}


class OverdueCasesCollector:
    def collect(self):
        gauge = GaugeMetricFamily(
            "portal_overdue_open_cases", "Open cases past their nearest due date, per department.",
            labels=["department"],
        )
        for code, count in sorted(overdue_open_cases().items()):
            gauge.add_metric([code], count)
        yield gauge
