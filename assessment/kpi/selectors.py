"""The KPI table (SPEC §5): per department, GROUP BY counts of the rules in rules.py over the
read model, with the policy volumes and targets."""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import Count, Max, Q

from cases.models import Department
from complaints_portal.db_router import read_alias

from . import calculations as calc
from . import rules
from .cache import cached_for_period
from .models import FollowUpVisit, KpiCase, PolicyVolume, Target
from .periods import local_today

ALL = "ALL"
UNASSIGNED = "none"

# Figures that have a drill-down list of cases (drilldown.kpi_cases).
CASE_FIGURES = (*rules.COHORT_FIGURES, "revisited", "satisfied", *rules.FAILED_OUTCOMES)


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
        for stage in rules.STAGES:
            counts = self.stages.get(stage, {})
            figures = {name: sum(counts.get(state, 0) for state in states) for name, states in rules.STAGE_FIGURES.items()}
            result[stage] = {**figures, "rate": calc.stage_compliance_rate(figures["met"], figures["denominator"])}
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


def _counts(period, as_of):
    """dept id -> KpiRow with the case, visit and stage counts of ``period`` as of ``as_of``:
    three GROUP BY queries over the rules of rules.py, in one transaction so that they read
    one state of the data. A finished period comes from the cache (cache.py)."""
    return cached_for_period(period, as_of, "kpi-counts:2", lambda: _computed_counts(period, as_of))


def _computed_counts(period, as_of):
    rows = defaultdict(lambda: KpiRow(department=""))
    alias = read_alias()  # the replica inside replica_reads(), as the ORM queries below
    with transaction.atomic(using=alias):
        if connections[alias].vendor == "postgresql":
            # No JIT (~300 ms to compile, more than it saved); plans for the dates asked (a
            # generic plan doubled the dashboard's time); memory for the cohort's sort, which
            # PostgreSQL estimates at 70,000 groups (about 30) and spilled to disk at 4 MB.
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT set_config('jit', 'off', true), "
                               "set_config('plan_cache_mode', 'force_custom_plan', true), "
                               "set_config('work_mem', '32MB', true)")
        # The cohort in one pass grouped by department and the class of timeliness and of each
        # stage, so each class is evaluated once per case (82 against 262 ms with 28 FILTERed
        # counts); counted over a covering index column to keep the scan index-only.
        stages = {f"stage_{stage}": rules.stage_state(stage, as_of) for stage in rules.STAGES}
        cohort = KpiCase.objects.using(alias).filter(rules.cohort(period, as_of)).values(
            "department_id", state=rules.timeliness(as_of), **stages
        ).annotate(n=Count("received_at"), regulator=Count("received_at", filter=rules.REGULATOR)).order_by()
        for group in cohort:
            row = rows[group["department_id"]]
            row.complaints += group["n"]
            row.regulator_complaints += group["regulator"]
            setattr(row, group["state"], getattr(row, group["state"]) + group["n"])
            for stage in rules.STAGES:
                if group[f"stage_{stage}"] is not None:  # None: no deadline of this stage
                    counts = row.stages.setdefault(stage, dict.fromkeys(rules.STAGE_STATES, 0))
                    counts[group[f"stage_{stage}"]] += group["n"]

        for group in KpiCase.objects.using(alias).filter(rules.revisited(period, as_of)).values(
            "department_id"
        ).annotate(revisited=Count("first_visit_at"), satisfied=Count("first_visit_at", filter=rules.SATISFIED)).order_by():
            row = rows[group["department_id"]]
            row.revisited, row.satisfied = group["revisited"], group["satisfied"]
        for group in FollowUpVisit.objects.using(alias).filter(rules.failed_visits(period, as_of)).values(
            "department_id", "outcome"
        ).annotate(n=Count("*")).order_by():
            setattr(rows[group["department_id"]], group["outcome"], group["n"])
    return dict(rows)


def kpi_table(period, as_of=None, departments=None):
    """The KPIs of SPEC §5 for ``period`` as of the end of local day ``as_of`` (default today), one
    row per department (``departments`` restricts; default the active ones and any with
    figures) plus the company row: four GROUP BY queries whatever the data size, a finished
    period's counts from the cache (_counts); volumes, targets and departments read fresh."""
    as_of = as_of or local_today()
    rows = defaultdict(lambda: KpiRow(department=""))
    rows.update(_counts(period, as_of))

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


def inputs_changed_at(period):
    """Last change of the imported inputs of a period (stored with snapshots)."""
    return PolicyVolume.objects.filter(period__in=[period.code, *period.quarter_codes]).aggregate(
        last=Max("updated_at")
    )["last"]
