"""The cases behind each KPI figure (the rules of rules.py as filters, so a list holds exactly
the cases counted), and the dashboard's backlog and volumes."""
from collections import Counter

from django.db.models import Count, Q

from cases.models import Complaint, Department
from cases.models.case import OPEN_STATUSES

from . import rules
from .cache import cached_for_period
from .models import FollowUpVisit, KpiCase
from .periods import local_today
from .selectors import ALL, UNASSIGNED


def _cases(read_rows):
    """The cases of some read-model rows, as a Complaint queryset."""
    return Complaint.objects.filter(pk__in=read_rows.values("case_id"))


def complaint_cohort(period, as_of):
    """The complaints of ``period`` received by the end of ``as_of`` (rules.cohort)."""
    return _cases(KpiCase.objects.filter(rules.cohort(period, as_of)))


def judged_cohort(period, as_of):
    """The cohort's read-model rows with ``timeliness`` (rules.timeliness) as an alias."""
    return KpiCase.objects.filter(rules.cohort(period, as_of)).alias(timeliness=rules.timeliness(as_of))


def _department_filter(qs, department):
    if department in (None, ALL):
        return qs
    if department == UNASSIGNED:
        return qs.filter(department__isnull=True)
    if isinstance(department, Department):
        return qs.filter(department=department)
    return qs.filter(department__code=department)


def kpi_cases(period, figure, department=None, as_of=None):
    """Exactly the cases counted in one figure of kpi_table; ``department``: a Department, a code,
    "none" (not dispatched) or None/"ALL" (company). Raises KeyError for an unknown figure."""
    as_of = as_of or local_today()
    if figure in rules.COHORT_FIGURES:
        rows = judged_cohort(period, as_of)
        if figure == "regulator_complaints":
            rows = rows.filter(rules.REGULATOR)
        elif rules.COHORT_FIGURES[figure] is not None:
            rows = rows.filter(timeliness__in=rules.COHORT_FIGURES[figure])
        qs = _cases(rows)
    elif figure in ("revisited", "satisfied"):
        rows = KpiCase.objects.filter(rules.revisited(period, as_of))
        qs = _cases(rows.filter(rules.SATISFIED) if figure == "satisfied" else rows)
    elif figure in rules.FAILED_OUTCOMES:
        visits = FollowUpVisit.objects.filter(rules.failed_visits(period, as_of, outcomes=[figure]))
        qs = Complaint.objects.filter(id__in=visits.values("case_id"))
    else:
        raise KeyError(figure)
    return _department_filter(qs, department)


def stage_cases(period, stage, states, as_of, departments=None):
    """The cohort cases whose ``stage`` deadline is in ``states`` (met, late, excluded,
    pending) as of ``as_of``: the cases behind a stage-compliance figure."""
    if stage not in rules.STAGES:
        raise KeyError(stage)
    rows = KpiCase.objects.filter(rules.cohort(period, as_of)).alias(state=rules.stage_state(stage, as_of))
    qs = _cases(rows.filter(state__in=list(states)))
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


# ---------------------------------------------------------------------------------------------
# Dashboard extras


def backlog_cases(departments=None):
    """The open cases now (the backlog), not merged into another case."""
    qs = Complaint.objects.filter(status__in=[s.value for s in OPEN_STATUSES], merged_into__isnull=True)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def overdue_now(departments=None, today=None):
    """Open cases whose nearest due date has passed."""
    return backlog_cases(departments).filter(next_due__lt=today or local_today())


def backlog_counts(departments=None, today=None):
    """({status: open cases}, open cases overdue now) in one query: COUNT(*) over the
    open-queue index alone (it has next_due in its key and includes the status). The same
    cases as backlog_cases(…).filter(status=…) and overdue_now, which the drill-down lists."""
    today = today or local_today()
    by_status, overdue = {}, 0
    for status, n, late in backlog_cases(departments).values_list("status").annotate(
        # count(next_due): a column of the index, so the scan stays index-only
        n=Count("*"), late=Count("next_due", filter=Q(next_due__lt=today))
    ).order_by():
        by_status[status] = n
        overdue += late
    return by_status, overdue


def major_open_count(departments=None):
    """Open major complaints now (SPEC §12), counted on their partial index (case_major_open)."""
    return backlog_cases(departments).exclude(major_reason="").count()


VOLUME_DIMENSIONS = ("category", "channel", "dispute_type", "root_cause", "customer_flags")


def volumes(period, as_of, departments=None):
    """{dimension: [(value, cohort complaints)]} for each of VOLUME_DIMENSIONS, most first; one
    query grouped by the four columns, summed per dimension here (the counts of volume_cases).
    Cases without a root cause or a dispute type (only disputes have one) are not listed there."""
    qs = KpiCase.objects.filter(rules.cohort(period, as_of))
    if departments is not None:
        departments = sorted(d.pk for d in departments)
        qs = qs.filter(department__in=departments)

    def compute():
        totals = {dimension: Counter() for dimension in VOLUME_DIMENSIONS}
        for *values, n in qs.values_list(*VOLUME_DIMENSIONS).annotate(n=Count("*")).order_by():
            for dimension, value in zip(VOLUME_DIMENSIONS, values, strict=True):
                for one in value.split(",") if dimension == "customer_flags" else (value,):
                    totals[dimension][one] += n
        for dimension in ("dispute_type", "root_cause", "customer_flags"):
            totals[dimension].pop("", None)
            totals[dimension].pop(None, None)
        return {
            dimension: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            for dimension, counter in totals.items()
        }

    # Cached like the KPI counts (a finished period, invalidated by any change to its cases).
    name = f"kpi-volumes:4:{'all' if departments is None else '-'.join(map(str, departments))}"
    return cached_for_period(period, as_of, name, compute)


def volume_by(period, as_of, dimension, departments=None):
    """Cohort complaints grouped by category, channel, dispute type or root cause."""
    if dimension not in VOLUME_DIMENSIONS:
        raise ValueError(dimension)
    return volumes(period, as_of, departments)[dimension]


def volume_cases(period, as_of, dimension, value, departments=None):
    if dimension not in VOLUME_DIMENSIONS:
        raise ValueError(dimension)
    # A case carries several flags at once: its list contains the one asked for.
    match = {"customer_flags__contains": value} if dimension == "customer_flags" else {dimension: value}
    qs = _cases(KpiCase.objects.filter(rules.cohort(period, as_of), **match))
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs
