"""kpi_report: the SPEC §9 CSV, exactly; and a generated data set checked independently."""
import csv
import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command

from assessment.kpi.drilldown import kpi_cases
from assessment.kpi.periods import period_parse
from assessment.kpi.readmodel import kpi_cases_refresh
from assessment.kpi.selectors import CASE_FIGURES, kpi_table
from tests.factories.assessment import (
    ComplaintFactory,
    DepartmentFactory,
    FollowUpVisitFactory,
    PolicyVolumeFactory,
    local_dt,
)

pytestmark = pytest.mark.django_db

HEADER = "department,complaints,new_policies,complaint_rate,timeliness_denominator,on_time,pending,timeliness_rate,revisited,satisfied,satisfaction_rate"


def report(*args):
    out = io.StringIO()
    call_command("kpi_report", *args, stdout=out)
    return out.getvalue()


def test_kpi_report_prints_the_exact_csv_with_departments_by_code_and_all_last():
    # given
    sales = DepartmentFactory(code="SALES", name="Sales")
    cs = DepartmentFactory(code="CS", name="CS")
    DepartmentFactory(code="CLAIMS", name="Claims")
    ComplaintFactory(department=sales, notified=local_dt("2026-04-20"))
    ComplaintFactory(department=sales, notified=local_dt("2026-04-30"))
    ComplaintFactory(department=sales)  # open, past due
    c = ComplaintFactory(department=cs, notified=local_dt("2026-04-20"))
    ComplaintFactory(department=cs, due_overall=datetime.date(2026, 8, 3))  # pending
    FollowUpVisitFactory(case=c, rating=3)
    PolicyVolumeFactory(department=sales, new_policies=30_000)
    PolicyVolumeFactory(department=cs, new_policies=7)
    # when
    text = report("2026Q2", "--as-of", "2026-07-15")
    # then
    assert text == (
        HEADER + "\n"
        "CLAIMS,0,,,0,0,0,,0,0,\n"
        "CS,2,7,28.5714,1,1,1,100.00,1,0,0.00\n"
        "SALES,3,30000,0.0100,3,1,0,33.33,0,0,\n"
        "ALL,5,30007,0.0167,4,2,1,50.00,1,0,0.00\n"
    )


def test_kpi_report_bad_period_is_an_error():
    with pytest.raises(CommandError, match="2026Q5"):
        report("2026Q5")
    with pytest.raises(CommandError, match="2026-02-30"):
        report("2026Q1", "--as-of", "2026-02-30")


def _half_up(numerator, denominator, places):
    if denominator == 0:
        return ""
    value = Decimal(100 * numerator) / Decimal(denominator)
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_generated_data_set_matches_figures_computed_independently_in_the_test():
    # given: a seeded random mix of cases over three departments and two quarters
    rng = random.Random(20260715)
    as_of = datetime.date(2026, 7, 10)
    depts = [DepartmentFactory(code=c, name=c) for c in ("A", "B", "C")]
    volumes = {d.code: rng.randint(0, 5000) for d in depts}
    for d in depts:
        PolicyVolumeFactory(department=d, new_policies=volumes[d.code])
    expected = {d.code: dict(complaints=0, on_time=0, late=0, pending=0, revisited=0, satisfied=0) for d in depts}
    for _ in range(160):
        dept = rng.choice(depts)
        received = datetime.date(2026, 3, 20) + datetime.timedelta(days=rng.randint(0, 110))
        due = received + datetime.timedelta(days=15)
        kind = rng.choice(["feedback", "merged", "complaint", "complaint", "complaint"])
        notified = withdrawn = None
        fate = rng.choice(["notified", "notified", "withdrawn", "open"])
        event_day = received + datetime.timedelta(days=rng.randint(0, 30))
        if fate == "notified":
            notified = local_dt(event_day, rng.choice([0, 12, 23]))
        elif fate == "withdrawn":
            withdrawn = local_dt(event_day, 9)
        case = ComplaintFactory(
            department=dept, received_at=local_dt(received, rng.randint(0, 23)), due_overall=due,
            complaint_type="feedback" if kind == "feedback" else "complaint",
            first_notified_at=notified, notified_at=notified, withdrawn_at=withdrawn,
        )
        if kind == "merged":
            case.merged_into = ComplaintFactory(department=dept, complaint_type="feedback")
            case.save()
            kpi_cases_refresh([case.pk])  # as the merge transition does
        visit_day = None
        if notified and rng.random() < 0.7:
            visit_day = event_day + datetime.timedelta(days=rng.randint(0, 10))
            first_rating = rng.randint(1, 5)
            FollowUpVisitFactory(case=case, rating=first_rating, visited_at=local_dt(visit_day, 11))
            FollowUpVisitFactory(case=case, rating=rng.randint(1, 5), visited_at=local_dt(visit_day, 15))
            if datetime.date(2026, 4, 1) <= visit_day <= datetime.date(2026, 6, 30):
                expected[dept.code]["revisited"] += 1
                expected[dept.code]["satisfied"] += first_rating >= 4
        # independent classification of the case
        if kind != "complaint" or not (datetime.date(2026, 4, 1) <= received <= datetime.date(2026, 6, 30)):
            continue
        e = expected[dept.code]
        e["complaints"] += 1
        n_day = notified.date() if notified and notified.date() <= as_of else None
        w_day = withdrawn.date() if withdrawn and withdrawn.date() <= as_of else None
        if w_day and w_day <= due:
            continue
        if n_day:
            e["on_time" if n_day <= due else "late"] += 1
        elif due >= as_of:
            e["pending"] += 1
        else:
            e["late"] += 1

    # when
    rows = list(csv.DictReader(io.StringIO(report("2026Q2", "--as-of", as_of.isoformat()))))

    # then
    for row in rows[:-1]:
        e = expected[row["department"]]
        denominator = e["on_time"] + e["late"]
        assert row == {
            "department": row["department"],
            "complaints": str(e["complaints"]),
            "new_policies": str(volumes[row["department"]]),
            "complaint_rate": _half_up(e["complaints"], volumes[row["department"]], 4),
            "timeliness_denominator": str(denominator),
            "on_time": str(e["on_time"]),
            "pending": str(e["pending"]),
            "timeliness_rate": _half_up(e["on_time"], denominator, 2),
            "revisited": str(e["revisited"]),
            "satisfied": str(e["satisfied"]),
            "satisfaction_rate": _half_up(e["satisfied"], e["revisited"], 2),
        }
    assert rows[-1]["department"] == "ALL"
    assert int(rows[-1]["complaints"]) == sum(e["complaints"] for e in expected.values())
    # and the drill-down lists hold exactly the counted cases
    table = kpi_table(period_parse("2026Q2"), as_of)
    for row in table.rows:
        for figure in CASE_FIGURES:
            assert kpi_cases(table.period, figure, row.department, as_of).count() == getattr(row, figure)
