"""The figures of the annual disclosure (SPEC §13), each read once and shared by the
`disclosure_report` command, the page and its exports.

Complaints are counted as for the complaint rate (assessment.kpi.rules.cohort): complaint type,
not merged, original receipt (D0) in the year, up to today for the year in progress.
"""
import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.kpi import calculations as calc
from assessment.kpi.models import KpiCase
from assessment.kpi.periods import local_today, period_parse
from assessment.kpi.rules import cohort
from assessment.kpi.selectors import kpi_table
from assessment.supervision.common import require_supervisor
from cases.models import Complaint, Decision, Department
from cases.models.case import Category, Channel, DisputeType
from complaints_portal.common.errors import ValidationFailed

from .models import IndustryMedian

UNKNOWN = "unknown"
HEADER = ("dimension", "key", "complaints")
# dimension -> the read model's column; the enumeration's keys are listed by dimension_keys.
COLUMNS = {"channel": "channel", "category": "category", "dispute_type": "dispute_type",
           "product_line": "case__product_line", "department": "department__code"}
# Required at intake: a case always has a value, so these have no "unknown" row.
REQUIRED = {"channel", "category"}


def year_period(year):
    return period_parse(str(year))


def _as_of(period):
    return min(period.end, local_today())


def dimension_keys(dimension):
    """Every key of a dimension, in order: the enumeration's values; for the product line (free
    text at intake) every value any case has; every department code."""
    if dimension in ("channel", "category", "dispute_type"):
        return [value for value, _label in {"channel": Channel, "category": Category,
                                            "dispute_type": DisputeType}[dimension].choices]
    if dimension == "product_line":
        return list(Complaint.objects.exclude(product_line="").order_by("product_line")
                    .values_list("product_line", flat=True).distinct())
    return list(Department.objects.order_by("code").values_list("code", flat=True))


def disclosure_rows(year):
    """[(dimension, key, complaints), ...] of the year: every key of every dimension, zeros
    included, cases without a value under "unknown", then ("total", "ALL", N)."""
    period = year_period(year)
    counted = KpiCase.objects.filter(cohort(period, _as_of(period)))
    rows = []
    for dimension, column in COLUMNS.items():
        counts = {key or UNKNOWN: n for key, n in counted.values_list(column).annotate(n=Count("pk")).order_by()}
        counts.pop(None, None)
        if None in counts or "" in counts:
            counts[UNKNOWN] = counts.pop(None, 0) + counts.pop("", 0)
        keys = dimension_keys(dimension) + ([] if dimension in REQUIRED else [UNKNOWN])
        rows.extend((dimension, key, counts.get(key, 0)) for key in keys)
    rows.append(("total", "ALL", counted.count()))
    return rows


def disclosure_csv(year):
    """The CSV of `disclosure_report YEAR` (header dimension,key,complaints)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(disclosure_rows(year))
    return out.getvalue()


@dataclass
class Benchmark:
    metric: str
    label: str
    company: Decimal | None
    median: Decimal | None

    @property
    def deviation(self):
        """The company's figure minus the median (None when either is missing)."""
        return None if self.company is None or self.median is None else self.company - self.median

    @property
    def deviation_percent(self):
        if self.deviation is None or not self.median:
            return None
        return (self.deviation * 100 / self.median).quantize(Decimal("0.1"))


def company_figures(year):
    """The company's complaints, referral share and rates per 10,000 policies in force, per
    CNY 100 million premium and per 10,000 insured persons (the KPI table's company row)."""
    period = year_period(year)
    company = kpi_table(period, _as_of(period)).company
    share = calc.rate(company.regulator_complaints, company.complaints, 2)
    companions = company.companions
    return company, {
        IndustryMedian.Metric.PER_10K_POLICIES: companions["per_10k_in_force"],
        IndustryMedian.Metric.PER_100M_PREMIUM: companions["per_100m_premium"],
        IndustryMedian.Metric.PER_10K_INSURED: companions["per_10k_insured"],
        IndustryMedian.Metric.REGULATOR_SHARE: share,
    }


def benchmarks(year):
    """One Benchmark per metric: the company's figure, the median entered for the year, the deviation."""
    company, figures = company_figures(year)
    medians = dict(IndustryMedian.objects.filter(period=str(year)).values_list("metric", "value"))
    return company, [Benchmark(metric, str(label), None if figures[metric] is None else Decimal(str(figures[metric])),
                               medians.get(metric)) for metric, label in IndustryMedian.Metric.choices]


def redress_by_kind(year):
    """[(kind, label, decisions, amount)] of the decision notices of the year, every kind."""
    period = year_period(year)
    sums = {kind: (n, total) for kind, n, total in Decision.objects.filter(
        notified_at__date__gte=period.start, notified_at__date__lte=period.end, case__merged_into__isnull=True,
    ).exclude(redress_kind="").values_list("redress_kind").annotate(n=Count("pk"), total=Sum("redress_amount")).order_by()}
    return [(kind, label, *sums.get(kind, (0, None))) for kind, label in Decision.RedressKind.choices]


def median_record(*, actor, year, metric, value, source=""):
    """Enter (or correct) the industry median of one figure for a year (supervisors); history kept."""
    require_supervisor(actor)
    if metric not in IndustryMedian.Metric.values:
        raise ValidationFailed(extra={"fields": {"metric": [_("Unknown figure.")]}})
    try:
        value = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationFailed(extra={"fields": {"value": [_("Enter a number.")]}}) from None
    if value < 0 or not value.is_finite():
        raise ValidationFailed(extra={"fields": {"value": [_("Enter a number.")]}})
    with transaction.atomic():
        median = IndustryMedian.objects.select_for_update().filter(period=str(year), metric=metric).first()
        if median is None:
            median = IndustryMedian(period=str(year), metric=metric)
        median.value, median.source, median.entered_by, median.entered_at = value, source.strip(), actor, timezone.now()
        median._history_user = actor
        median.save()
    return median
