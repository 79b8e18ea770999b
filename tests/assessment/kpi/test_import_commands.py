"""import_policy_volumes and import_complaints: per-line reports, idempotency, contents."""
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from assessment.models import FollowUpVisit, PolicyVolume
from cases.models import CalendarDay, CalendarYear, CaseDeadline, Complaint
from tests.factories.assessment import ComplaintFactory, DepartmentFactory, local_dt

pytestmark = pytest.mark.django_db

COMPLAINT_HEADER = (
    "reference,received_at,channel,category,department,complaint_type,tier,notified_at,withdrawn_at,"
    "closed_at,revisit_at,revisit_outcome,revisit_rating,customer_name,customer_phone,policy_number,summary\n"
)


@pytest.fixture
def departments():
    return [DepartmentFactory(code=c, name=c) for c in ("CLAIMS", "CS", "SALES")]


@pytest.fixture
def calendar_2026():
    for year in (2025, 2026, 2027):
        CalendarYear.objects.create(year=year)
    CalendarDay.objects.create(date=datetime.date(2026, 5, 1), kind="holiday", name="Labour Day")


def run(command, tmp_path, text, *args):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), *args, stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = exc
    return out.getvalue(), err.getvalue(), failed


# ---- import_policy_volumes ------------------------------------------------------------------


def test_policy_volumes_import_creates_and_reimport_updates(tmp_path, departments):
    text = "period,department,new_policies,policies_in_force,premium,insured_persons\n2026Q2,SALES,1000,5000,12345.67,8000\n2026Q2,CS,20,,,\n"
    out, err, failed = run("import_policy_volumes", tmp_path, text)
    assert failed is None and err == ""
    volume = PolicyVolume.objects.get(period="2026Q2", department__code="SALES")
    assert (volume.new_policies, volume.policies_in_force, str(volume.premium), volume.insured_persons) == (1000, 5000, "12345.67", 8000)

    out, err, failed = run("import_policy_volumes", tmp_path, "period,department,new_policies\n2026Q2,SALES,1200\n")
    assert failed is None
    assert PolicyVolume.objects.count() == 2
    assert PolicyVolume.objects.get(period="2026Q2", department__code="SALES").new_policies == 1200
    assert "1 updated" in out


def test_policy_volumes_bad_lines_are_reported_by_line_and_the_good_lines_import(tmp_path, departments):
    text = (
        "period,department,new_policies,premium\n"
        "2026Q2,SALES,1000,\n"      # 2 ok
        "2026Q5,SALES,1,\n"         # 3 bad period
        "2026Q2,NOPE,1,\n"          # 4 unknown department
        "2026Q2,CS,12x,\n"          # 5 malformed number
        "2026Q2,CS,5,1.234\n"       # 6 malformed amount
        "2026Q2,SALES,7,\n"         # 7 duplicate of line 2
        "2026Q3,CLAIMS,-3,\n"       # 8 negative
        "2026,CS,50,\n"             # 9 ok (annual)
    )
    out, err, failed = run("import_policy_volumes", tmp_path, text)
    assert failed is not None
    lines = [line.split(":")[0] for line in err.strip().splitlines()]
    assert lines == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert "NOPE" in err and "2026Q5" in err and "line 2" in err
    assert sorted(PolicyVolume.objects.values_list("period", "department__code", "new_policies")) == [
        ("2026", "CS", 50), ("2026Q2", "SALES", 1000)
    ]


def test_policy_volumes_missing_column_is_a_clear_error(tmp_path, departments):
    _out, _err, failed = run("import_policy_volumes", tmp_path, "period,department\n2026Q2,SALES\n")
    assert failed is not None and "new_policies" in str(failed)


# ---- import_complaints ----------------------------------------------------------------------


def test_import_complaints_creates_legacy_cases_with_status_deadlines_visit_and_history(tmp_path, departments, calendar_2026):
    # given
    text = COMPLAINT_HEADER + (
        "L-1,2026-04-10T10:00:00,hotline,service,SALES,,,2026-04-20T15:00:00,,2026-04-25T10:00:00,2026-04-28T10:00:00,completed,4,Wang,13900000000,P-1,Slow claim\n"
        "L-2,2026-04-16 09:00,regulator,product,CS,complaint,complex,,,,,,,,,,\n"
        "L-3,2026-04-10T02:00:00+00:00,online,misconduct,CLAIMS,feedback,simple,,2026-04-12T10:00:00,,,,,,,,\n"
    )
    # when
    out, err, failed = run("import_complaints", tmp_path, text)
    # then
    assert failed is None, err
    one = Complaint.objects.get(reference="L-1")
    assert one.is_legacy and one.status == "closed" and one.outcome == "closed"
    assert one.first_notified_at == one.notified_at == local_dt("2026-04-10").replace(hour=15, day=20)
    assert one.due_overall == datetime.date(2026, 4, 27)  # 04-25 is a Saturday -> Monday 04-27
    assert one.deadline_policy.version == 1
    assert one.history.count() == 1 and one.history.first().history_change_reason == "legacy import"
    decision = CaseDeadline.objects.get(case=one, stage="decision")
    assert decision.met_at == one.notified_at
    assert not CaseDeadline.objects.filter(case=one, met_at__isnull=True, stopped_at__isnull=True).exists()
    visit = FollowUpVisit.objects.get(case=one)
    assert (visit.outcome, visit.rating) == ("completed", 4)

    two = Complaint.objects.get(reference="L-2")
    assert two.status == "assigned" and two.tier == "complex"
    assert two.due_overall == datetime.date(2026, 5, 18)  # D0 04-16 + 30 = 05-16 Saturday -> 05-18
    assert two.next_due is not None

    three = Complaint.objects.get(reference="L-3")
    assert three.clock_start == datetime.date(2026, 4, 10)
    assert three.status == "closed" and three.outcome == "withdrawn" and three.complaint_type == "feedback"


def test_import_complaints_is_idempotent_and_reimport_updates(tmp_path, departments, calendar_2026):
    text = COMPLAINT_HEADER + "L-1,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"
    run("import_complaints", tmp_path, text)
    again = COMPLAINT_HEADER + (
        "L-1,2026-04-10T10:00:00,hotline,service,CS,,special,2026-05-01T10:00:00,,,2026-05-03T10:00:00,refused,,,,,\n"
    )
    out, err, failed = run("import_complaints", tmp_path, again)
    assert failed is None, err
    assert Complaint.objects.filter(reference="L-1").count() == 1
    case = Complaint.objects.get(reference="L-1")
    assert case.department.code == "CS" and case.tier == "special" and case.status == "responded"
    assert case.due_overall == datetime.date(2026, 6, 9)  # 04-10 + 60 = 06-09 (Tuesday)
    assert CaseDeadline.objects.filter(case=case).count() == 8
    assert FollowUpVisit.objects.get(case=case).outcome == "refused"
    assert case.history.count() == 2
    run("import_complaints", tmp_path, again)
    assert FollowUpVisit.objects.filter(case=case).count() == 1 and Complaint.objects.count() == 1


def test_import_complaints_takes_the_dispute_type_and_product_line_columns(tmp_path, departments, calendar_2026):
    # SPEC §13: two more optional columns; a re-import updates them like any other field
    header = COMPLAINT_HEADER.rstrip("\n") + ",dispute_type,product_line\n"
    text = header + (
        "L-1,2026-04-10T10:00:00,hotline,product,CLAIMS,,,,,,,,,,,,重疾险拒赔,claims,重疾险\n"
        "L-2,2026-04-10T11:00:00,hotline,service,CS,,,,,,,,,,,,热线难打,,\n"
        "L-3,2026-04-10T12:00:00,hotline,service,CS,,,,,,,,,,,,热线难打,hotline,\n"  # 4: not a dispute type
    )
    out, err, failed = run("import_complaints", tmp_path, text)
    assert failed is not None and "line 4" in err and "dispute_type" in err
    assert list(Complaint.objects.values_list("reference", "dispute_type", "product_line").order_by("reference")) == [
        ("L-1", "claims", "重疾险"), ("L-2", "", "")]
    assert not Complaint.objects.filter(reference="L-3").exists()
    run("import_complaints", tmp_path, header + "L-2,2026-04-10T11:00:00,hotline,service,CS,,,,,,,,,,,,热线难打,service,\n")
    assert Complaint.objects.get(reference="L-2").dispute_type == "service"


def test_import_complaints_reports_bad_lines_and_imports_nothing_of_them(tmp_path, departments, calendar_2026):
    text = COMPLAINT_HEADER + (
        "L-1,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"  # 2 ok
        "L-2,2026-13-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"  # 3 bad datetime
        "L-3,2026-04-10T10:00:00,fax,service,SALES,,,,,,,,,,,,\n"  # 4 bad channel
        "L-4,2026-04-10T10:00:00,hotline,service,NOPE,,,,,,,,,,,,\n"  # 5 unknown department
        "L-1,2026-04-11T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"  # 6 duplicate reference
        "L-5,2026-04-10T10:00:00,hotline,service,SALES,,,,,,2026-04-20T10:00:00,completed,6,,,,\n"  # 7 rating
        "L-6,2030-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"  # 8 calendar missing
        "L-7,2026-04-10T10:00:00,hotline,service,SALES,,,2026-04-01T10:00:00,,,,,,,,,\n"  # 9 before receipt
        "L-8,2026-04-10T10:00:00,hotline,service,SALES,,,,,,2026-04-20T10:00:00,unreachable,,,,,\n"  # 10 ok
    )
    out, err, failed = run("import_complaints", tmp_path, text)
    assert failed is not None
    reported = [line.split(":")[0] for line in err.strip().splitlines() if line.startswith("line")]
    assert reported == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 9)]
    assert "2030" in err
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == ["L-1", "L-8"]
    # a legacy visit outcome stands as given: unreachable without 3 recorded attempts
    assert FollowUpVisit.objects.get(case__reference="L-8").outcome == "unreachable"


def test_import_complaints_does_not_overwrite_a_portal_case(tmp_path, departments, calendar_2026):
    ComplaintFactory(reference="TS-2026-000001")
    text = COMPLAINT_HEADER + (
        "TS-2026-000001,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"
        "L-2,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n"
    )
    out, err, failed = run("import_complaints", tmp_path, text)
    assert failed is not None and "line 2" in err
    assert Complaint.objects.get(reference="TS-2026-000001").is_legacy is False
    assert Complaint.objects.filter(reference="L-2").exists()


def test_import_complaints_in_several_batches_reports_progress(tmp_path, departments, calendar_2026):
    rows = "".join(f"L-{i},2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,,,,\n" for i in range(25))
    path = tmp_path / "in.csv"
    path.write_text(COMPLAINT_HEADER + rows, encoding="utf-8")
    err = io.StringIO()
    call_command("import_complaints", str(path), "--batch-size", "7", stdout=io.StringIO(), stderr=err)
    assert Complaint.objects.count() == 25
    assert "25" in err.getvalue()


def test_import_complaints_unknown_column_is_a_clear_error(tmp_path, departments):
    _out, _err, failed = run("import_complaints", tmp_path, "reference,received_at,channel,category,department,colour\n")
    assert failed is not None and "colour" in str(failed)


def test_legacy_stages_without_records_are_excluded_from_stage_compliance_not_late(tmp_path, departments, calendar_2026):
    # given a legacy case decided late (day 16) with nothing known about its earlier stages
    from assessment.kpi.periods import period_parse
    from assessment.kpi.selectors import kpi_table

    text = COMPLAINT_HEADER + "L-9,2026-04-10T10:00:00,hotline,service,SALES,,,2026-04-28T15:00:00,,2026-04-29T10:00:00,,,,,,,\n"
    out, err, failed = run("import_complaints", tmp_path, text)
    assert failed is None, err
    # when
    stages = kpi_table(period_parse("2026Q2"), datetime.date(2026, 6, 30)).company.stage_rates
    # then the decision counts (late), the stages done outside the portal are not judged
    assert stages["decision"]["denominator"] == 1 and stages["decision"]["met"] == 0
    assert stages["acknowledge"]["denominator"] == 0 and stages["report"]["denominator"] == 0


def test_import_complaints_checks_the_phone_as_every_channel_does(tmp_path, departments, calendar_2026):
    text = COMPLAINT_HEADER + (
        "L-1,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,Wang,+86 139-0000-0000,,\n"
        "L-2,2026-04-10T10:00:00,hotline,service,SALES,,,,,,,,,Li,abc123,,\n"
    )
    out, err, failed = run("import_complaints", tmp_path, text)
    assert "line 3" in err and "customer_phone" in err
    assert Complaint.objects.get(reference="L-1").customer_phone == "13900000000"
    assert not Complaint.objects.filter(reference="L-2").exists()
