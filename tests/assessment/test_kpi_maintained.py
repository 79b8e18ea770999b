"""The KPI columns kept by triggers on deadlines and follow-up visits (migration assessment
0006, PostgreSQL): after every write path they equal the values recomputed from the cases, and
the counts kpi_table reads from them equal the counts by joins (selectors.joined_counts)."""
import datetime
import io
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import selectors, services
from assessment.models import FollowUpVisit
from assessment.periods import period_parse
from cases.models import CaseDeadline, Complaint, Department
from cases.services import case_transition
from tests.factories import cases as walked
from tests.factories.assessment import CaseDeadlineFactory, ComplaintFactory, FollowUpVisitFactory, local_dt

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the KPI columns are kept by PostgreSQL triggers"),
]

WRONG_DEADLINES = """
SELECT d.id FROM cases_casedeadline d JOIN cases_complaint c ON c.id = d.case_id
WHERE (d.kpi_received_at, d.kpi_department_id) IS DISTINCT FROM (
  CASE WHEN c.complaint_type = 'complaint' AND c.merged_into_id IS NULL THEN c.received_at END, c.department_id)
"""
WRONG_VISITS = """
SELECT v.id FROM assessment_followupvisit v JOIN cases_complaint c ON c.id = v.case_id
WHERE v.kpi_department_id IS DISTINCT FROM c.department_id
   OR v.kpi_first <> (v.outcome = 'completed' AND NOT EXISTS (
        SELECT 1 FROM assessment_followupvisit e WHERE e.case_id = v.case_id AND e.outcome = 'completed'
          AND (e.visited_at < v.visited_at OR (e.visited_at = v.visited_at AND e.id < v.id))))
"""
PERIODS = [("2026Q2", datetime.date(2026, 7, 15)), ("2026Q4", datetime.date(2026, 12, 31)),
           ("2026", datetime.date(2026, 12, 31)), ("2026Q2", datetime.date(2026, 5, 3))]


def kpi_columns():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_casedeadline WHERE kpi_received_at IS NOT NULL")
        deadlines = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM assessment_followupvisit WHERE kpi_first")
        firsts = cursor.fetchone()[0]
    return deadlines, firsts


def assert_maintained():
    """Every copy equals its recomputed value, and both ways of counting agree."""
    with connection.cursor() as cursor:
        cursor.execute(WRONG_DEADLINES)
        assert cursor.fetchall() == [], "deadline rows with a stale case copy"
        cursor.execute(WRONG_VISITS)
        assert cursor.fetchall() == [], "visit rows with a stale department or first-visit flag"
    for code, as_of in PERIODS:
        period = period_parse(code)
        joined = defaultdict(lambda: selectors.KpiRow(department=""))
        maintained = defaultdict(lambda: selectors.KpiRow(department=""))
        selectors.joined_counts(joined, period, as_of)
        selectors._maintained_counts(connection, maintained, period, as_of)
        assert dict(maintained) == dict(joined), (code, as_of)


# ---- the portal's services ------------------------------------------------------------------


@pytest.fixture
def calendar():
    walked.calendar_seed()


def test_services_intake_walk_reassign_merge_withdraw_and_follow_up(calendar):
    with walked.frozen_now(local_dt("2026-10-12")):
        closed = walked.ComplaintFactory(closed=True)
        moved = walked.ComplaintFactory(investigating=True)
        duplicate = walked.ComplaintFactory(assigned=True)
        withdrawn = walked.ComplaintFactory(assigned=True)
        people = walked.actors("SALES")
        walked.head("CS")
        case_transition(actor=people["clerk"], reference=moved.reference, action="reassign",
                        data={"department": "CS", "reason": "Claims matter."})
        case_transition(actor=people["clerk"], reference=duplicate.reference, action="merge",
                        data={"into": moved.reference})
        case_transition(actor=people["clerk"], reference=withdrawn.reference, action="withdraw",
                        data={"reason": "Customer withdrew."})
    with walked.frozen_now(local_dt("2026-10-20")):
        services.followup_record(closed, people["clerk"], "completed", rating=4)
        services.followup_record(closed, people["clerk"], "completed", rating=2,
                                 visited_at=local_dt("2026-10-15"))
    # then: the merged duplicate left the population, the reassigned case's rows moved
    assert CaseDeadline.objects.filter(case=duplicate).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_casedeadline WHERE case_id = %s AND kpi_received_at IS NOT NULL",
                       [duplicate.pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT DISTINCT kpi_department_id FROM cases_casedeadline WHERE case_id = %s", [moved.pk])
        assert cursor.fetchall() == [(Department.objects.get(code="CS").pk,)]
        cursor.execute("SELECT rating FROM assessment_followupvisit WHERE case_id = %s AND kpi_first", [closed.pk])
        assert cursor.fetchall() == [(2,)]  # the earlier visit, recorded second, is the first
    assert kpi_columns()[0] > 0
    assert_maintained()


def test_recompute_deadlines_keeps_the_copies(calendar):
    with walked.frozen_now(local_dt("2026-10-12")):
        walked.ComplaintFactory.create_batch(2, investigating=True)
        call_command("recompute_deadlines", stdout=io.StringIO())
    assert kpi_columns()[0] > 0
    assert_maintained()


# ---- the legacy import (COPY on PostgreSQL) ---------------------------------------------------

HEADER = (
    "reference,received_at,channel,category,department,complaint_type,tier,notified_at,withdrawn_at,"
    "closed_at,revisit_at,revisit_outcome,revisit_rating,customer_name,customer_phone,policy_number,summary\n"
)


def test_legacy_import_and_reimport(tmp_path):
    from cases.models import CalendarYear

    for code in ("CLAIMS", "CS", "SALES"):
        Department.objects.create(code=code, name=code)
    for year in (2025, 2026, 2027):
        CalendarYear.objects.create(year=year)
    path = tmp_path / "in.csv"
    path.write_text(HEADER + (
        "L-1,2026-04-10T10:00:00,hotline,service,SALES,,,2026-04-20T15:00:00,,2026-04-25T10:00:00,2026-04-28T10:00:00,completed,4,W,139,P,S\n"
        "L-2,2026-04-16 09:00,regulator,product,CS,complaint,complex,,,,,,,,,,\n"
        "L-3,2026-04-10T02:00:00+00:00,online,misconduct,CLAIMS,feedback,simple,,2026-04-12T10:00:00,,,,,,,,\n"
    ), encoding="utf-8")
    call_command("import_complaints", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # every deadline of the two complaints (L-3 is feedback only) carries the copy; one first visit
    assert kpi_columns() == (CaseDeadline.objects.filter(case__reference__in=["L-1", "L-2"]).count(), 1)
    assert_maintained()
    # when re-imported: another department, receipt time and type; the visit replaced by an earlier one
    path.write_text(HEADER + (
        "L-1,2026-04-11T10:00:00,hotline,service,CS,,,2026-04-20T15:00:00,,2026-04-25T10:00:00,2026-04-26T10:00:00,completed,2,W,139,P,S\n"
        "L-2,2026-04-16 09:00,regulator,product,CS,feedback,complex,,,,,,,,,,\n"
        "L-3,2026-04-10T02:00:00+00:00,online,misconduct,SALES,complaint,simple,,2026-04-12T10:00:00,,,,,,,,\n"
    ), encoding="utf-8")
    call_command("import_complaints", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Complaint.objects.get(reference="L-1").department.code == "CS"
    assert_maintained()


# ---- the benchmark's generator (INSERT … SELECT, no ORM) ------------------------------------


def test_bench_generator(monkeypatch):
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "bench"))
    sys.modules.pop("kpi", None)
    import kpi

    kpi.fill(300)
    assert Complaint.objects.count() == 300
    assert kpi_columns()[0] > 0 and kpi_columns()[1] > 0
    assert_maintained()


# ---- raw writes -----------------------------------------------------------------------------


def test_queryset_updates_and_raw_sql_on_cases_rewrite_the_copies():
    other = ComplaintFactory(received_at=local_dt("2026-05-02"))
    case = ComplaintFactory()
    CaseDeadlineFactory(case=case, stage="acknowledge", met_at=local_dt("2026-04-12"))
    CaseDeadlineFactory(case=case, stage="decision", due_on=datetime.date(2026, 4, 27))
    # local midnight boundaries: 23:30 on the due date is met, 00:30 the day after (still the
    # due date in UTC) is late; a tracking stop likewise
    CaseDeadlineFactory(case=case, stage="dispatch", due_on=datetime.date(2026, 4, 13),
                        met_at=local_dt("2026-04-13", 23, 30))
    CaseDeadlineFactory(case=case, stage="report", due_on=datetime.date(2026, 4, 13),
                        met_at=local_dt("2026-04-14", 0, 30))
    CaseDeadlineFactory(case=case, stage="plan", due_on=datetime.date(2026, 4, 13),
                        stopped_at=local_dt("2026-04-13", 23, 30))
    CaseDeadlineFactory(case=case, stage="approval", due_on=datetime.date(2026, 4, 13),
                        stopped_at=local_dt("2026-04-14", 0, 30))
    FollowUpVisitFactory(case=case)
    stages = selectors.kpi_table(period_parse("2026Q2"), datetime.date(2026, 7, 15)).company.stages
    assert stages["dispatch"]["met"] == stages["report"]["late"] == stages["plan"]["excluded"] == 1
    assert stages["approval"]["late"] == 1
    assert_maintained()
    cs = Department.objects.create(code="CS", name="CS")
    Complaint.objects.filter(pk=case.pk).update(department=cs)
    assert_maintained()
    Complaint.objects.filter(pk=case.pk).update(received_at=local_dt("2026-07-02"))
    assert_maintained()
    Complaint.objects.filter(pk=case.pk).update(department=None)
    assert_maintained()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_complaint SET merged_into_id = %s WHERE id = %s", [other.pk, case.pk])
        assert_maintained()
        cursor.execute("UPDATE cases_complaint SET merged_into_id = NULL, complaint_type = 'feedback' WHERE id = %s",
                       [case.pk])
        assert_maintained()
        cursor.execute("UPDATE cases_complaint SET complaint_type = 'complaint', received_at = %s WHERE id = %s",
                       [local_dt("2026-04-01"), case.pk])
    assert kpi_columns()[0] == 6
    assert_maintained()


def test_a_wrong_copy_written_directly_is_corrected():
    case = ComplaintFactory()
    deadline = CaseDeadlineFactory(case=case)
    first = FollowUpVisitFactory(case=case, visited_at=local_dt("2026-05-05"))
    FollowUpVisitFactory(case=case, visited_at=local_dt("2026-05-06"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casedeadline SET kpi_received_at = now(), kpi_department_id = NULL WHERE id = %s",
                       [deadline.pk])
        cursor.execute("UPDATE assessment_followupvisit SET kpi_first = NOT kpi_first, kpi_department_id = NULL "
                       "WHERE case_id = %s", [case.pk])
        cursor.execute("INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, kpi_received_at) "
                       "VALUES (%s, 'report', '2026-04-20', '', '2020-01-01')", [case.pk])
    assert kpi_columns() == (2, 1)
    assert FollowUpVisit.objects.filter(pk=first.pk).exists()
    assert_maintained()


def test_deadline_or_visit_before_its_case_is_refused():
    # The foreign keys are deferred, so without the check such a row would keep empty copies.
    case = ComplaintFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDeadline.objects.create(case_id=case.pk + 1000, stage="report", due_on=datetime.date(2026, 4, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpVisit.objects.create(case_id=case.pk + 1000, outcome="refused", visited_at=local_dt("2026-05-05"))
    assert not CaseDeadline.objects.exists() and not FollowUpVisit.objects.exists()


# ---- visits: first completed visit under any sequence of writes ------------------------------

OUTCOMES = ["completed", "completed", "unreachable", "refused"]
visit_specs = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(OUTCOMES), st.integers(0, 4)), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=visit_specs, edits=st.lists(st.tuples(st.sampled_from(["move", "time", "outcome", "delete", "case"]),
                                                   st.integers(0, 7), st.integers(0, 4)), max_size=6),
       seed=st.integers(0, 1000))
def test_first_visit_flag_follows_any_sequence_of_writes(specs, edits, seed):
    with transaction.atomic():
        cases = [ComplaintFactory() for _ in range(3)]
        day = datetime.date(2026, 5, 4)
        # one statement with several visits of the same case (same times too), in any order
        visits = FollowUpVisit.objects.bulk_create([
            FollowUpVisit(case=cases[c], outcome=o, rating=5 if o == "completed" else None,
                          visited_at=local_dt(day + datetime.timedelta(days=d)))
            for c, o, d in random.Random(seed).sample(specs, len(specs))
        ])
        assert_maintained()
        for action, index, value in edits:
            visit = visits[index % len(visits)]
            if not FollowUpVisit.objects.filter(pk=visit.pk).exists():
                continue
            qs = FollowUpVisit.objects.filter(pk=visit.pk)
            if action == "time":
                qs.update(visited_at=local_dt(day + datetime.timedelta(days=value)))
            elif action == "outcome":
                completed = value % 2 == 0
                qs.update(outcome="completed" if completed else "refused", rating=3 if completed else None)
            elif action == "delete":
                qs.delete()
            elif action == "case":
                qs.update(case=cases[value % 3])
            else:  # a whole case's visits rewritten in one statement
                FollowUpVisit.objects.filter(case=visit.case_id).update(visited_at=local_dt(day))
            assert_maintained()
        transaction.set_rollback(True)


# ---- supplied copies (assessment 0008): the import writes them, the triggers skip the look-up --


def test_import_supplies_the_copies_and_sets_the_setting_back(tmp_path):
    from cases.models import CalendarYear

    for code in ("CS", "SALES"):
        Department.objects.create(code=code, name=code)
    for year in (2025, 2026, 2027):
        CalendarYear.objects.create(year=year)
    target = ComplaintFactory(received_at=local_dt("2026-04-02"))
    path = tmp_path / "in.csv"
    rows = (
        "M-1,2026-04-10T10:00:00,hotline,service,SALES,,,2026-04-20T15:00:00,,,2026-04-28T10:00:00,completed,4,W,139,P,S\n"
        "M-2,2026-04-11T10:00:00,online,product,,,,,,,2026-04-28T10:00:00,refused,,W,139,P,S\n"
        "M-3,2026-04-12T10:00:00,online,product,CS,feedback,,,,,,,,W,139,P,S\n"
    )
    path.write_text(HEADER + rows, encoding="utf-8")
    call_command("import_complaints", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('portal.kpi_columns_supplied', true)")
        assert cursor.fetchone()[0] in (None, "", "off")
        cursor.execute("SELECT kpi_department_id, kpi_first FROM assessment_followupvisit v "
                       "JOIN cases_complaint c ON c.id = v.case_id ORDER BY c.reference")
        assert cursor.fetchall() == [(Department.objects.get(code="SALES").pk, True), (None, False)]
    assert kpi_columns() == (CaseDeadline.objects.filter(case__reference__in=["M-1", "M-2"]).count(), 1)
    assert_maintained()
    # M-1 merged in the portal since: its re-imported deadlines leave the population
    Complaint.objects.filter(reference="M-1").update(merged_into=target)
    call_command("import_complaints", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_casedeadline d JOIN cases_complaint c ON c.id = d.case_id "
                       "WHERE c.reference = 'M-1' AND d.kpi_received_at IS NOT NULL")
        assert cursor.fetchone()[0] == 0
    assert CaseDeadline.objects.filter(case__reference="M-1").exists()
    assert_maintained()
    # and the setting is off again: a wrong copy written after the import is corrected
    case = Complaint.objects.get(reference="M-2")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_casedeadline WHERE case_id = %s AND stage = 'report'", [case.pk])
        cursor.execute("INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, kpi_received_at) "
                       "VALUES (%s, 'report', '2026-04-20', '', '2020-01-01')", [case.pk])
    assert_maintained()


@pytest.mark.parametrize("setting", [None, "off", "", "yes"])
def test_without_the_setting_supplied_copies_are_overwritten(setting):
    case = ComplaintFactory()
    FollowUpVisitFactory(case=case, visited_at=local_dt("2026-05-05"))
    with connection.cursor() as cursor:
        if setting is not None:
            cursor.execute("SELECT set_config('portal.kpi_columns_supplied', %s, true)", [setting])
        cursor.execute("INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, kpi_received_at, "
                       "kpi_department_id) VALUES (%s, 'report', '2026-04-20', '', '2020-01-01', NULL)", [case.pk])
        # a later completed visit claimed as the first, with no department
        cursor.execute("INSERT INTO assessment_followupvisit (case_id, outcome, rating, comment, visited_at, "
                       "kpi_department_id, kpi_first) VALUES (%s, 'completed', 3, '', %s, NULL, true)",
                       [case.pk, local_dt("2026-05-09")])
    assert kpi_columns() == (1, 1)
    assert_maintained()


def test_with_the_setting_the_supplied_copies_stand():
    # The contract the import relies on: while the setting is on, the INSERT triggers do not
    # look the case up, so the writer alone answers for the values (a wrong one stays wrong).
    case = ComplaintFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'on', true)")
        cursor.execute("INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, kpi_received_at) "
                       "VALUES (%s, 'report', '2026-04-20', '', '2020-01-01') RETURNING kpi_received_at, "
                       "kpi_department_id", [case.pk])
        assert cursor.fetchone() == (datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), None)
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'off', true)")
        # an UPDATE is always checked, whatever the setting
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'on', true)")
        cursor.execute("UPDATE cases_casedeadline SET kpi_department_id = NULL WHERE case_id = %s", [case.pk])
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'off', true)")
    assert_maintained()


def test_the_kpi_aggregates_are_planned_for_the_quarter_asked():
    """psycopg prepares a statement run five times on a connection and PostgreSQL may then plan
    it once for any dates; the KPI aggregates ask for plans made with the quarter's dates."""
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    period, as_of = period_parse("2026Q1"), datetime.date(2026, 7, 1)
    ComplaintFactory(received_at=local_dt(datetime.date(2026, 2, 2)))
    for _ in range(7):  # past the prepare threshold
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            selectors.kpi_table(period, as_of)
        statements = [q["sql"] for q in queries.captured_queries]
        setting = next(i for i, sql in enumerate(statements)
                       if "set_config('plan_cache_mode', 'force_custom_plan', true)" in sql)
        assert any("GROUP BY" in sql for sql in statements[setting + 1:])
