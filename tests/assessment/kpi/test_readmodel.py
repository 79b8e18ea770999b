"""The KPI read model (assessment.kpi.readmodel): written with every change of a case's KPI
inputs, in its transaction, so that it always equals a rebuild from the cases."""
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assessment.kpi.followups import followup_record
from assessment.kpi.legacy_import import complaints_import
from assessment.kpi.readmodel import kpi_differences
from assessment.models import KpiCase
from cases.deadlines import apply_deadlines, recompute_open_cases
from cases.models import CalendarDay, Complaint
from cases.services import case_transition
from tests.assessment.kpi.legacy_csv import HEADER, legacy_setting  # noqa: F401 - the fixture
from tests.factories import cases as f
from tests.factories.assessment import DepartmentFactory
from tests.factories.calendar import make_case, seed_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    f.calendar_seed()


def test_cases_written_through_the_services_equal_a_rebuild(calendar):
    # given cases in every state of the first round, a follow-up visit and imported history
    cases = [f.ComplaintFactory(state=state) for state in ("received", "assigned", "reported", "responded", "closed")]
    followup_record(cases[3], f.clerk(), "completed", rating=4)
    f.ComplaintFactory(state="assigned", department="CLAIMS")
    complaints_import(io.StringIO(
        HEADER + "L-1,2026-01-05T09:00:00,hotline,service,SALES,,,2026-01-10T09:00:00,,,"
        "2026-01-12T09:00:00,completed,5,,,,\n"
    ))
    # then every row is what a rebuild would write
    assert KpiCase.objects.count() == 7
    assert kpi_differences() == []


def test_a_transition_rewrites_the_case_row_in_its_transaction(calendar):
    case = f.ComplaintFactory(state="plan_approved")
    assert KpiCase.objects.get(pk=case.pk).notified_on is None
    # when
    case = case_transition(actor=f.clerk(), reference=case.reference, action="notify_decision",
                           data={"method": "phone", "decision": "Paid."})
    # then
    row = KpiCase.objects.get(pk=case.pk)
    assert row.notified_on is not None
    assert row.decision_met == row.notified_on


@pytest.mark.usefixtures("legacy_setting")
def test_a_reimport_that_moves_a_case_moves_its_visit_to_the_new_department():
    DepartmentFactory(code="SALES", name="Sales")
    line = "L-2,2026-01-05T09:00:00,hotline,service,{},,,2026-01-10T09:00:00,,,2026-01-12T09:00:00,refused,,,,,\n"
    complaints_import(io.StringIO(HEADER + line.format("SALES")))
    # when the legacy row is imported again with another department
    complaints_import(io.StringIO(HEADER + line.format("CS")))
    # then the case and its failed visit count for the new department
    case = Complaint.objects.get(reference="L-2")
    assert KpiCase.objects.get(pk=case.pk).department.code == "CS"
    assert case.followups.get().department.code == "CS"
    assert kpi_differences() == []


def test_a_deadline_recomputation_rewrites_the_rows_of_the_cases_it_changes():
    # given a case computed on a calendar without the 2025-10-11 make-up day
    seed_calendar()
    CalendarDay.objects.filter(date=datetime.date(2025, 10, 11)).delete()
    case = make_case(datetime.date(2025, 9, 26))
    apply_deadlines(case)
    case.save()
    call_command("kpi_rebuild", stdout=io.StringIO())
    assert KpiCase.objects.get(pk=case.pk).due_overall == datetime.date(2025, 10, 13)
    # when the make-up day is added back and the open cases are recomputed
    CalendarDay.objects.create(date=datetime.date(2025, 10, 11), kind="workday", name="National Day")
    recompute_open_cases("calendar")
    # then
    assert KpiCase.objects.get(pk=case.pk).due_overall == datetime.date(2025, 10, 11)
    assert kpi_differences() == []


def test_check_reports_a_row_that_differs_and_rebuild_repairs_it(calendar):
    case = f.ComplaintFactory(state="assigned")
    KpiCase.objects.filter(pk=case.pk).update(channel="media")
    with pytest.raises(CommandError, match="1 cases differ"):
        call_command("kpi_rebuild", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("kpi_rebuild", stdout=out)
    assert "1 cases" in out.getvalue()
    call_command("kpi_rebuild", "--check", stdout=io.StringIO())
    assert KpiCase.objects.get(pk=case.pk).channel == "hotline"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL catalogue")
def test_no_trigger_function_or_hidden_column_of_the_old_kpi_columns_is_left():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'kpi%%'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'assessment%%'")
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE column_name LIKE 'kpi%%' "
            "AND table_name IN ('cases_casedeadline', 'assessment_followupvisit', 'cases_complaint')"
        )
        assert cursor.fetchall() == []


def test_change_stamps_name_the_local_quarter_of_each_moment():
    from assessment.kpi.readmodel import _quarters
    from tests.factories.assessment import local_dt

    moments = [local_dt("2026-03-31", 23, 59), local_dt("2026-04-01", 0, 0), local_dt("2025-12-31", 23, 59)]
    assert _quarters(moments) == {"2025Q4", "2026Q1", "2026Q2"}
    assert _quarters([]) == set()
