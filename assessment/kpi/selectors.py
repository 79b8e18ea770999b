"""The KPI reads (SPEC §5): GROUP BY department aggregates, and the drill-down querysets that
return exactly the cases behind each figure.

Every figure is defined once, as a Q over an annotated cohort queryset; the aggregate counts
``Count("id", filter=<that Q>)`` and the drill-down filters ``.filter(<that Q>)``, so the two
cannot drift apart. The arithmetic (rates, rounding, N/A) lives in calculations.py.
"""
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Case, CharField, Count, Exists, F, Max, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate

from cases.models import CaseDeadline, Complaint, Department
from cases.models.case import OPEN_STATUSES, Channel, ComplaintType
from cases.models.deadlines import STAGE_ORDER
from complaints_portal.db_router import read_alias

from . import calculations as calc
from .models import FollowUpVisit, PolicyVolume, Target
from .periods import day_end_exclusive, local_today, local_tz, period_bounds

ALL = "ALL"
UNASSIGNED = "none"

# Figures that have a drill-down list of cases.
CASE_FIGURES = (
    "complaints",
    "regulator_complaints",
    "excluded",
    "pending",
    "on_time",
    "late",
    "timeliness_denominator",
    "revisited",
    "satisfied",
    "unreachable",
    "refused",
)


@dataclass
class KpiRow:
    department: str  # department code, "none" for cases not yet dispatched, or "ALL"
    name: str = ""
    complaints: int = 0
    regulator_complaints: int = 0
    excluded: int = 0
    pending: int = 0
    on_time: int = 0
    late: int = 0
    revisited: int = 0
    satisfied: int = 0
    unreachable: int = 0
    refused: int = 0
    new_policies: int | None = None
    policies_in_force: int | None = None
    premium: Decimal | None = None
    insured_persons: int | None = None
    # stage -> {"met": n, "late": n, "pending": n, "excluded": n}
    stages: dict = field(default_factory=dict)
    target: object = None

    @property
    def timeliness_denominator(self):
        return self.on_time + self.late

    @property
    def complaint_rate(self):
        return calc.complaint_rate(self.complaints, self.new_policies)

    @property
    def timeliness_rate(self):
        return calc.on_time_rate(self.on_time, self.timeliness_denominator)

    @property
    def satisfaction_rate(self):
        return calc.satisfaction_rate(self.satisfied, self.revisited)

    @property
    def revisit_success_rate(self):
        return calc.revisit_success_rate(self.revisited, self.revisited + self.unreachable + self.refused)

    @property
    def companions(self):
        """Regulator companion figures: all complaints and regulator referrals only."""
        return {
            "per_10k_in_force": calc.per_10k(self.complaints, self.policies_in_force),
            "per_100m_premium": calc.per_100m_premium(self.complaints, self.premium),
            "per_10k_insured": calc.per_10k(self.complaints, self.insured_persons),
            "regulator_per_10k_in_force": calc.per_10k(self.regulator_complaints, self.policies_in_force),
            "regulator_per_100m_premium": calc.per_100m_premium(self.regulator_complaints, self.premium),
            "regulator_per_10k_insured": calc.per_10k(self.regulator_complaints, self.insured_persons),
        }

    @property
    def stage_rates(self):
        result = {}
        for stage in STAGE_ORDER:
            counts = self.stages.get(stage.value, {})
            met, late = counts.get("met", 0), counts.get("late", 0)
            result[stage.value] = {
                "met": met,
                "denominator": met + late,
                "rate": calc.stage_compliance_rate(met, met + late),
            }
        return result

    def add(self, other):
        for name in ("complaints", "regulator_complaints", "excluded", "pending", "on_time", "late",
                     "revisited", "satisfied", "unreachable", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("new_policies", "policies_in_force", "premium", "insured_persons"):
            theirs = getattr(other, name)
            if theirs is not None:
                setattr(self, name, (getattr(self, name) or 0) + theirs)
        for stage, counts in other.stages.items():
            mine = self.stages.setdefault(stage, {})
            for key, value in counts.items():
                mine[key] = mine.get(key, 0) + value


@dataclass
class KpiTable:
    period: object
    as_of: datetime.date
    rows: list  # one KpiRow per department, by code
    company: KpiRow
    unassigned: KpiRow | None = None


# ---------------------------------------------------------------------------------------------
# Building blocks


def _as_of_end(as_of):
    return day_end_exclusive(as_of)


def complaint_cohort(period, as_of):
    """Complaints of a period (SPEC §5): complaint type, original receipt in the period, not
    merged into another case. Withdrawn cases count. A review is the same case continuing, so
    each case counts once whatever its round. Only cases received by the end of ``as_of``."""
    start, end = period_bounds(period)
    end = min(end, _as_of_end(as_of))
    return Complaint.objects.filter(
        complaint_type=ComplaintType.COMPLAINT,
        received_at__gte=start,
        received_at__lt=end,
        merged_into__isnull=True,
    )


def _timeliness_expression(as_of):
    """SQL CASE mirroring calculations.classify_on_time on the first-round decision."""
    tz = local_tz()
    a_end = _as_of_end(as_of)
    notified = Q(first_notified_at__lt=a_end)
    withdrawn_first = Q(withdrawn_at__lt=a_end) & (
        Q(first_notified_at__isnull=True) | Q(first_notified_at__gte=a_end)
        | Q(first_notified_at__gt=F("withdrawn_at"))
    )
    return Case(
        When(withdrawn_first & Q(_withdrawn_on__lte=F("due_overall")), then=Value(calc.Timeliness.EXCLUDED.value)),
        When(notified & Q(_notified_on__lte=F("due_overall")), then=Value(calc.Timeliness.ON_TIME.value)),
        When(notified & Q(due_overall__isnull=False), then=Value(calc.Timeliness.LATE.value)),
        When(notified, then=Value(calc.Timeliness.PENDING.value)),
        When(Q(due_overall__isnull=True) | Q(due_overall__gte=as_of), then=Value(calc.Timeliness.PENDING.value)),
        default=Value(calc.Timeliness.LATE.value),
        output_field=CharField(),
    ), tz


def annotated_cohort(period, as_of):
    """The cohort with ``timeliness`` (excluded|pending|on_time|late) as an alias."""
    expression, tz = _timeliness_expression(as_of)
    return complaint_cohort(period, as_of).alias(
        _notified_on=TruncDate("first_notified_at", tzinfo=tz),
        _withdrawn_on=TruncDate("withdrawn_at", tzinfo=tz),
    ).alias(timeliness=expression)


COHORT_FIGURES = {
    "complaints": Q(),
    "regulator_complaints": Q(channel=Channel.REGULATOR),
    "excluded": Q(timeliness=calc.Timeliness.EXCLUDED.value),
    "pending": Q(timeliness=calc.Timeliness.PENDING.value),
    "on_time": Q(timeliness=calc.Timeliness.ON_TIME.value),
    "late": Q(timeliness=calc.Timeliness.LATE.value),
    "timeliness_denominator": Q(timeliness__in=[calc.Timeliness.ON_TIME.value, calc.Timeliness.LATE.value]),
}


def first_completed_visits(period, as_of):
    """Visits that count as "revisited": the first completed visit of each case, dated in
    the period and by the end of ``as_of``."""
    start, end = period_bounds(period)
    end = min(end, _as_of_end(as_of))
    earlier = FollowUpVisit.objects.filter(
        case=OuterRef("case"), outcome=FollowUpVisit.Outcome.COMPLETED
    ).filter(Q(visited_at__lt=OuterRef("visited_at")) | Q(visited_at=OuterRef("visited_at"), id__lt=OuterRef("id")))
    return FollowUpVisit.objects.filter(
        outcome=FollowUpVisit.Outcome.COMPLETED, visited_at__gte=start, visited_at__lt=end
    ).exclude(Exists(earlier))


def failed_visits(period, as_of, outcome):
    start, end = period_bounds(period)
    end = min(end, _as_of_end(as_of))
    return FollowUpVisit.objects.filter(outcome=outcome, visited_at__gte=start, visited_at__lt=end)


def _stage_expression(as_of):
    """CASE classifying one CaseDeadline row as of ``as_of``: met (on or before due), late
    (done after due, or not done and past due), excluded (tracking stopped on or before the due
    date without the act) or pending."""
    a_end = _as_of_end(as_of)
    met = Q(met_at__lt=a_end)
    stopped = Q(met_at__isnull=True) | Q(met_at__gte=a_end)
    return Case(
        When(met & Q(_met_on__lte=F("due_on")), then=Value("met")),
        When(met, then=Value("late")),
        When(stopped & Q(stopped_at__lt=a_end, _stopped_on__lte=F("due_on")), then=Value("excluded")),
        When(due_on__lt=as_of, then=Value("late")),
        default=Value("pending"),
        output_field=CharField(),
    )


# ---------------------------------------------------------------------------------------------
# The KPI table


def _volumes(period):
    """dept id -> dict of inputs. A year uses its annual row if one was imported, else the sum
    of its quarters for flows (new policies, premium) and the latest quarter for stocks
    (policies in force, insured persons)."""
    rows = PolicyVolume.objects.filter(period__in=[period.code, *period.quarter_codes]).values(
        "department_id", "period", "new_policies", "policies_in_force", "premium", "insured_persons"
    )
    by_dept = defaultdict(dict)
    for row in rows:
        by_dept[row["department_id"]][row["period"]] = row
    result = {}
    for dept_id, periods in by_dept.items():
        if period.code in periods:
            row = periods[period.code]
            result[dept_id] = {k: row[k] for k in ("new_policies", "policies_in_force", "premium", "insured_persons")}
            continue
        quarters = [periods[q] for q in period.quarter_codes if q in periods]
        latest = quarters[-1]
        premiums = [q["premium"] for q in quarters if q["premium"] is not None]
        result[dept_id] = {
            "new_policies": sum(q["new_policies"] for q in quarters),
            "premium": sum(premiums) if premiums else None,
            "policies_in_force": latest["policies_in_force"],
            "insured_persons": latest["insured_persons"],
        }
    return result



# Quarters are served from the cache from this many days after their end (see the migration
# assessment 0005: writes to quarters older than two days before now are stamped).
CACHE_AFTER_DAYS = 7


def _cached_counts(period, as_of):
    """dept id -> KpiRow with the case, visit and stage counts of ``period`` as of ``as_of``.

    A finished period (ended CACHE_AFTER_DAYS ago, as_of after its end) is kept in the cache
    under the latest change stamps of its quarters, which database triggers renew on every
    write to a case, deadline or visit of those quarters; so a cached figure is never served
    after its inputs changed. Other periods, and backends without the triggers, are computed.
    """
    return _cached_for_period(period, as_of, "kpi-counts:1", lambda: _counts(period, as_of))


def _cached_for_period(period, as_of, name, compute):
    """``compute()``, kept in the cache for a finished period under the latest change stamps
    of the quarters it covers (see _cached_counts); computed every time otherwise."""
    # The alias the counting queries will read (the replica inside replica_reads()). The stamps
    # must come from the same database as the counts, in the same snapshot: stamps read on the
    # primary with counts from a lagging replica would store stale counts under the primary's
    # fresher key, served as current once the replica caught up.
    alias = read_alias()
    conn = connections[alias]
    if conn.vendor != "postgresql" or as_of < period.end or (
        local_today() - period.end
    ).days < CACHE_AFTER_DAYS:
        return compute()
    # The quarters the period's dates fall in (a month or year period as well as a quarter).
    quarters = sorted({f"{m // 12}Q{m % 12 // 3 + 1}" for m in range(
        period.start.year * 12 + period.start.month - 1, period.end.year * 12 + period.end.month
    )}) + ["ALL"]
    key = _stamped_key(conn, name, period, as_of, quarters)
    value = cache.get(key)
    if value is not None:
        return value
    if conn.in_atomic_block:
        # Inside a caller's transaction the isolation level is theirs. The counts are read
        # after the stamps on the same database, so they are at least as fresh as the key.
        value = compute()
    else:
        # One snapshot for the stamps and every counting query: the key then names exactly
        # the data counted (a statement-level snapshot would let a commit land in between).
        with transaction.atomic(using=alias):
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            key = _stamped_key(conn, name, period, as_of, quarters)
            value = compute()
    cache.set(key, value, timeout=7 * 24 * 3600)
    return value


def _stamped_key(conn, name, period, as_of, quarters):
    """The cache key of a figure: its name, period, as-of date and, for each quarter, the
    latest change stamp and the number of stamps, read on ``conn``.

    The latest stamp alone would not do: stamps are drawn from a sequence when a write happens,
    not when it commits, so a transaction holding a lower stamp can commit after a higher one
    was read. Stamps are only ever added, so the number visible grows with every commit that
    stamps the quarter, and (latest, number) names the committed changes exactly."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT q, s.latest, s.n FROM unnest(%s::varchar[]) q, LATERAL ("
            "SELECT max(version) AS latest, count(*) AS n FROM assessment_kpichange WHERE quarter = q) s",
            [quarters],
        )
        stamps = {q: f"{latest or 0}.{n}" for q, latest, n in cursor.fetchall()}
    return "{}:{}:{}:{}".format(
        name, period.code, as_of.isoformat(), ",".join(stamps.get(q, "0.0") for q in quarters)
    )


def _counts(period, as_of):
    """The GROUP BY queries behind kpi_table (cohort, visits, stage deadlines), in one
    transaction so that they read one state of the data. On PostgreSQL visits and stage
    compliance are read from the KPI columns kept by triggers (_maintained_counts, equal to
    joined_counts: tests/assessment/test_kpi_maintained.py)."""
    rows = defaultdict(lambda: KpiRow(department=""))
    alias = read_alias()  # the replica inside replica_reads(), as the ORM queries below
    with transaction.atomic(using=alias):
        if connections[alias].vendor == "postgresql":
            # These aggregates cross PostgreSQL's JIT threshold at a few hundred thousand
            # rows, and compiling them cost ~300 ms, more than it saved. They run with plans
            # made for the quarter asked (a prepared statement's generic plan, made without the
            # dates, doubled the dashboard's time).
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT set_config('jit', 'off', true), "
                               "set_config('plan_cache_mode', 'force_custom_plan', true)")
        # One row per (department, timeliness class) rather than one COUNT FILTER per class: the
        # CASE is then evaluated once per case instead of once per figure (same counts as
        # COHORT_FIGURES, which the drill-down filters by).
        cohort = annotated_cohort(period, as_of).annotate(state=F("timeliness"))
        for group in cohort.values("department_id", "state").annotate(
            n=Count("id"), regulator=Count("id", filter=COHORT_FIGURES["regulator_complaints"])
        ).order_by():
            row = rows[group["department_id"]]
            row.complaints += group["n"]
            row.regulator_complaints += group["regulator"]
            setattr(row, group["state"], getattr(row, group["state"]) + group["n"])

        if connections[alias].vendor == "postgresql":
            _maintained_counts(connections[alias], rows, period, as_of)
        else:
            joined_counts(rows, period, as_of)
    return dict(rows)


def joined_counts(rows, period, as_of):
    """Visit and stage-compliance counts by joining each visit and deadline to its case: the
    definition (other backends; on PostgreSQL the tests compare _maintained_counts with it).
    Adds them to ``rows`` (dept id -> KpiRow)."""
    visits = first_completed_visits(period, as_of).values("case__department_id").annotate(
        revisited=Count("id"), satisfied=Count("id", filter=Q(rating__gte=4))
    ).order_by()
    for group in visits:
        row = rows[group["case__department_id"]]
        row.revisited, row.satisfied = group["revisited"], group["satisfied"]
    for outcome in (FollowUpVisit.Outcome.UNREACHABLE, FollowUpVisit.Outcome.REFUSED):
        for group in failed_visits(period, as_of, outcome).values("case__department_id").annotate(
            n=Count("id")
        ).order_by():
            setattr(rows[group["case__department_id"]], outcome.value, group["n"])

    tz = local_tz()
    # The cohort's conditions on the joined case (not ``case__in=<subquery>``): one join, so
    # the cohort index is walked and each case's deadlines probed (case_deadline_unique).
    start, end = period_bounds(period)
    stage_rows = (
        CaseDeadline.objects.filter(
            case__complaint_type=ComplaintType.COMPLAINT,
            case__received_at__gte=start,
            case__received_at__lt=min(end, _as_of_end(as_of)),
            case__merged_into__isnull=True,
            stage__in=[s.value for s in STAGE_ORDER],
        )
        .alias(_met_on=TruncDate("met_at", tzinfo=tz), _stopped_on=TruncDate("stopped_at", tzinfo=tz))
        .annotate(state=_stage_expression(as_of))
        .values("case__department_id", "stage", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for group in stage_rows:
        counts = rows[group["case__department_id"]].stages.setdefault(
            group["stage"], dict.fromkeys(("met", "late", "excluded", "pending"), 0)
        )
        counts[group["state"]] += group["n"]


# Stage compliance and visits from the copies of the case's receipt time and department that
# triggers keep on each deadline and visit (migration assessment 0006), read by index-only
# range scans (deadline_kpi_cohort, followup_kpi) instead of one join per row. Same
# classification as _stage_expression, with "met / stopped on a local date after due_on" from
# the generated columns of migration assessment 0007; the literal stage list matches the
# index's predicate. One count per class (pending: the rest) rather than a GROUP BY on the
# class: the conditions are cheap comparisons, and hashing a third key cost more (≈ 100 →
# 60 ms for a quarter's 234,000 deadlines).
_STAGES_SQL = "(" + ", ".join(f"'{s.value}'" for s in STAGE_ORDER) + ")"
_MAINTAINED_STAGES_SQL = f"""
SELECT kpi_department_id, stage,
  count(*) FILTER (WHERE met_at < %(a_end)s AND NOT kpi_met_late),
  count(*) FILTER (WHERE met_at < %(a_end)s AND kpi_met_late),
  count(*) FILTER (WHERE (met_at IS NULL OR met_at >= %(a_end)s) AND stopped_at < %(a_end)s AND NOT kpi_stopped_late),
  count(*) FILTER (WHERE (met_at < %(a_end)s) IS NOT TRUE
    AND ((met_at IS NULL OR met_at >= %(a_end)s) AND stopped_at < %(a_end)s AND NOT kpi_stopped_late) IS NOT TRUE
    AND due_on < %(as_of)s),
  count(*)
FROM cases_casedeadline
WHERE kpi_received_at >= %(start)s AND kpi_received_at < %(end)s AND kpi_received_at IS NOT NULL
  AND stage IN {_STAGES_SQL}
GROUP BY 1, 2
"""  # noqa: S608  # nosec B608 - the only interpolation is the constant stage list
_MAINTAINED_VISITS_SQL = """
SELECT kpi_department_id, count(*) FILTER (WHERE kpi_first), count(*) FILTER (WHERE kpi_first AND rating >= 4),
  count(*) FILTER (WHERE outcome = 'unreachable'), count(*) FILTER (WHERE outcome = 'refused')
FROM assessment_followupvisit
WHERE visited_at >= %(start)s AND visited_at < %(end)s AND (kpi_first OR outcome IN ('unreachable', 'refused'))
GROUP BY 1
"""


def _maintained_counts(conn, rows, period, as_of):
    """joined_counts from the maintained columns (PostgreSQL): two index-only range scans."""
    start, end = period_bounds(period)
    params = {"start": start, "end": min(end, _as_of_end(as_of)), "a_end": _as_of_end(as_of), "as_of": as_of}
    with conn.cursor() as cursor:
        cursor.execute(_MAINTAINED_VISITS_SQL, params)
        for dept_id, revisited, satisfied, unreachable, refused in cursor.fetchall():
            row = rows[dept_id]
            row.revisited, row.satisfied, row.unreachable, row.refused = revisited, satisfied, unreachable, refused
        cursor.execute(_MAINTAINED_STAGES_SQL, params)
        for dept_id, stage, met, met_late, excluded, late_open, total in cursor.fetchall():
            counts = rows[dept_id].stages.setdefault(stage, dict.fromkeys(("met", "late", "excluded", "pending"), 0))
            counts["met"] += met
            counts["late"] += met_late + late_open
            counts["excluded"] += excluded
            counts["pending"] += total - met - met_late - excluded - late_open


def kpi_table(period, as_of=None, departments=None):
    """The KPIs of SPEC §5 for ``period`` as of the end of local day ``as_of`` (default today),
    one row per department (``departments``: a queryset/list to restrict to; default all active
    departments and any with figures), plus the company row.

    Four GROUP BY queries (cohort, visits, stage deadlines, volumes) whatever the data size;
    on PostgreSQL a finished period's counts come from the cache while none of its cases,
    deadlines or visits changed (_cached_counts). Volumes, targets and departments are always
    read fresh.
    """
    as_of = as_of or local_today()
    rows = defaultdict(lambda: KpiRow(department=""))
    rows.update(_cached_counts(period, as_of))

    for dept_id, inputs in _volumes(period).items():
        row = rows[dept_id]
        for key, value in inputs.items():
            setattr(row, key, value)

    if departments is None:
        wanted = Department.objects.filter(Q(active=True) | Q(id__in=[k for k in rows if k is not None]))
        include_company = True
    else:
        wanted = departments
        include_company = False
    depts = sorted(wanted, key=lambda d: d.code)
    targets = {
        t.department_id: t for t in Target.objects.filter(period=period.code)
    }

    result_rows = []
    for dept in depts:
        row = rows.get(dept.id) or KpiRow(department="")
        row.department, row.name = dept.code, dept.name
        row.target = targets.get(dept.id)
        result_rows.append(row)

    company = KpiRow(department=ALL, name="")
    if include_company:
        for row in rows.values():
            company.add(row)
        company.target = targets.get(None)
    else:
        for row in result_rows:
            company.add(row)
    unassigned = rows.get(None)
    if unassigned is not None:
        unassigned.department = UNASSIGNED
    return KpiTable(period=period, as_of=as_of, rows=result_rows, company=company, unassigned=unassigned)


# ---------------------------------------------------------------------------------------------
# Drill-down


def _department_filter(qs, department, prefix=""):
    if department in (None, ALL):
        return qs
    if department == UNASSIGNED:
        return qs.filter(**{f"{prefix}department__isnull": True})
    if isinstance(department, Department):
        return qs.filter(**{f"{prefix}department": department})
    return qs.filter(**{f"{prefix}department__code": department})


def kpi_cases(period, figure, department=None, as_of=None):
    """Exactly the cases counted in one figure of kpi_table (drill-down).

    ``department``: a Department, a code, "none" (not yet dispatched) or None/"ALL" for the
    company. Raises KeyError for an unknown figure.
    """
    as_of = as_of or local_today()
    if figure in COHORT_FIGURES:
        qs = annotated_cohort(period, as_of).filter(COHORT_FIGURES[figure])
    elif figure in ("revisited", "satisfied"):
        visits = first_completed_visits(period, as_of)
        if figure == "satisfied":
            visits = visits.filter(rating__gte=4)
        qs = Complaint.objects.filter(id__in=visits.values("case_id"))
    elif figure in ("unreachable", "refused"):
        qs = Complaint.objects.filter(id__in=failed_visits(period, as_of, figure).values("case_id"))
    else:
        raise KeyError(figure)
    return _department_filter(qs, department)


# ---------------------------------------------------------------------------------------------
# Dashboard extras


def targets_for(period):
    return {t.department_id: t for t in Target.objects.filter(period=period.code).select_related("department")}


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


def stage_cases(period, stage, states, as_of, departments=None):
    """The cohort cases whose ``stage`` deadline is in ``states`` (met, late, excluded,
    pending) as of ``as_of``: the cases behind a stage-compliance figure, one per deadline
    counted (a case has one deadline per stage)."""
    if stage not in {s.value for s in STAGE_ORDER}:
        raise KeyError(stage)
    tz = local_tz()
    deadlines = (
        CaseDeadline.objects.filter(stage=stage, case__in=complaint_cohort(period, as_of))
        .alias(_met_on=TruncDate("met_at", tzinfo=tz), _stopped_on=TruncDate("stopped_at", tzinfo=tz))
        .alias(state=_stage_expression(as_of))
        .filter(state__in=list(states))
    )
    qs = Complaint.objects.filter(id__in=deadlines.values("case_id"))
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


VOLUME_DIMENSIONS = ("category", "channel", "dispute_type", "root_cause")


def volumes(period, as_of, departments=None):
    """{dimension: [(value, cohort complaints)]} for each of VOLUME_DIMENSIONS, most first
    (then by value); cases without a root cause are not listed under root_cause.

    One query for the four: the cohort grouped by the four columns together (a few hundred
    groups, read from the cohort index, which includes them), summed per dimension here. Four
    GROUP BY queries read the cohort's rows four times (≈ 110 ms each for a quarter of 125,000
    complaints; bench/README.md). The counts are those of volume_cases, which the drill-down
    lists."""
    qs = complaint_cohort(period, as_of)
    if departments is not None:
        departments = sorted(d.pk for d in departments)
        qs = qs.filter(department__in=departments)

    def compute():
        totals = {dimension: Counter() for dimension in VOLUME_DIMENSIONS}
        for *values, n in qs.values_list(*VOLUME_DIMENSIONS).annotate(n=Count("*")).order_by():
            for dimension, value in zip(VOLUME_DIMENSIONS, values, strict=True):
                totals[dimension][value] += n
        totals["root_cause"].pop("", None)
        return {
            dimension: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            for dimension, counter in totals.items()
        }

    # Cached like the KPI counts (a finished period, invalidated by any change to its cases).
    name = f"kpi-volumes:2:{'all' if departments is None else '-'.join(map(str, departments))}"
    return _cached_for_period(period, as_of, name, compute)


def volume_by(period, as_of, dimension, departments=None):
    """Cohort complaints grouped by category, channel, dispute type or root cause."""
    if dimension not in VOLUME_DIMENSIONS:
        raise ValueError(dimension)
    return volumes(period, as_of, departments)[dimension]


def volume_cases(period, as_of, dimension, value, departments=None):
    qs = complaint_cohort(period, as_of).filter(**{dimension: value})
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def inputs_changed_at(period):
    """Last change of the imported inputs of a period (stored with snapshots)."""
    return PolicyVolume.objects.filter(period__in=[period.code, *period.quarter_codes]).aggregate(
        last=Max("updated_at")
    )["last"]
