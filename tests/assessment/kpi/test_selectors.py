"""KPI figures on hand-built cases, one SPEC §5 edge per test, and drill-down == counts."""
import datetime
from decimal import Decimal

import pytest

from assessment.kpi.drilldown import kpi_cases
from assessment.kpi.periods import period_parse
from assessment.kpi.selectors import CASE_FIGURES, kpi_table
from tests.factories.assessment import (
    CaseDeadlineFactory,
    ComplaintFactory,
    DepartmentFactory,
    FollowUpVisitFactory,
    PolicyVolumeFactory,
    local_dt,
)

pytestmark = pytest.mark.django_db

Q2 = period_parse("2026Q2")
AFTER = datetime.date(2026, 7, 15)
DUE = datetime.date(2026, 4, 27)


def sales_row(as_of=AFTER, period=Q2):
    table = kpi_table(period, as_of)
    return next(r for r in table.rows if r.department == "SALES"), table


def test_complaint_rate_counts_complaints_received_in_the_period_per_new_policies():
    # given
    ComplaintFactory.create_batch(3)
    ComplaintFactory(received_at=local_dt("2026-03-31", 23, 59))  # Q1
    ComplaintFactory(received_at=local_dt("2026-07-01", 0, 0))  # Q3
    PolicyVolumeFactory(new_policies=7)
    # when
    row, _ = sales_row()
    # then
    assert row.complaints == 3
    assert row.new_policies == 7
    assert row.complaint_rate == Decimal("42.8571")


def test_period_bounds_are_local_midnight_not_utc():
    # 2026-04-01 00:30 Shanghai is 2026-03-31 16:30 UTC: it belongs to Q2.
    ComplaintFactory(received_at=local_dt("2026-04-01", 0, 30))
    ComplaintFactory(received_at=local_dt("2026-06-30", 23, 30))
    row, _ = sales_row()
    assert row.complaints == 2


def test_feedback_only_and_merged_duplicates_are_not_complaints():
    master = ComplaintFactory()
    ComplaintFactory(complaint_type="feedback")
    ComplaintFactory(merged_into=master, outcome="merged", status="closed")
    row, _ = sales_row()
    assert row.complaints == 1


def test_review_case_counts_once_and_is_judged_on_its_first_round_decision():
    # given: first-round decision on time, then a dispute, a review round, a late second decision
    ComplaintFactory(round=2, status="responded", first_notified_at=local_dt("2026-04-20"),
                     notified_at=local_dt("2026-06-20"), disputed_at=local_dt("2026-04-22"))
    row, _ = sales_row()
    assert row.complaints == 1
    assert (row.on_time, row.late) == (1, 0)


def test_withdrawn_cases_count_as_complaints_and_are_excluded_from_timeliness_if_withdrawn_by_due():
    ComplaintFactory(withdrawn_at=local_dt("2026-04-27", 23), status="closed", outcome="withdrawn")
    ComplaintFactory(withdrawn_at=local_dt("2026-04-28", 9), status="closed", outcome="withdrawn")
    row, _ = sales_row()
    assert row.complaints == 2
    assert row.excluded == 1
    assert row.late == 1
    assert row.timeliness_denominator == 1
    assert row.timeliness_rate == Decimal("0.00")


def test_pending_cases_are_left_out_of_the_denominator_and_open_past_due_is_late():
    ComplaintFactory()  # due 04-27, open
    ComplaintFactory(notified=local_dt("2026-04-24"))
    row, _ = sales_row(as_of=DUE)
    assert (row.pending, row.on_time, row.late, row.timeliness_denominator) == (1, 1, 0, 1)
    assert row.timeliness_rate == Decimal("100.00")
    row, _ = sales_row(as_of=DUE + datetime.timedelta(days=1))
    assert (row.pending, row.on_time, row.late) == (0, 1, 1)
    assert row.timeliness_rate == Decimal("50.00")


def test_decision_after_the_as_of_date_is_not_yet_there():
    ComplaintFactory(notified=local_dt("2026-04-24"))
    row, _ = sales_row(as_of=datetime.date(2026, 4, 23))
    assert (row.pending, row.on_time) == (1, 0)


def test_valid_extension_moves_the_due_date_and_a_late_one_does_not():
    # The due date in force is maintained by cases.deadlines in due_overall: a valid extension to
    # complex gives D0+30; an extension recorded too late leaves D0+15.
    ComplaintFactory(tier="complex", due_overall=datetime.date(2026, 5, 11), notified=local_dt("2026-05-08"))
    ComplaintFactory(tier="complex", due_overall=DUE, notified=local_dt("2026-05-08"))
    row, _ = sales_row()
    assert (row.on_time, row.late) == (1, 1)


def test_pause_days_extend_the_due_date_in_force():
    ComplaintFactory(due_overall=datetime.date(2026, 5, 6), notified=local_dt("2026-05-06", 18))
    row, _ = sales_row()
    assert row.on_time == 1


def test_case_without_due_date_is_pending_not_late():
    ComplaintFactory(due_overall=None)
    row, _ = sales_row()
    assert row.pending == 1 and row.timeliness_denominator == 0
    assert row.timeliness_rate is None


def test_satisfaction_counts_first_completed_visit_only_with_rating_4_or_more():
    a = ComplaintFactory(notified=local_dt("2026-04-20"))
    b = ComplaintFactory(notified=local_dt("2026-04-20"))
    c = ComplaintFactory(notified=local_dt("2026-04-20"))
    FollowUpVisitFactory(case=a, rating=3, visited_at=local_dt("2026-04-25"))
    FollowUpVisitFactory(case=a, rating=5, visited_at=local_dt("2026-04-26"))  # not the first
    FollowUpVisitFactory(case=b, rating=4)
    FollowUpVisitFactory(case=c, outcome="unreachable", rating=None)
    FollowUpVisitFactory(case=c, outcome="refused", rating=None)
    row, _ = sales_row()
    assert (row.revisited, row.satisfied) == (2, 1)
    assert row.satisfaction_rate == Decimal("50.00")
    assert (row.unreachable, row.refused) == (1, 1)
    assert row.revisit_success_rate == Decimal("50.00")


def test_first_completed_visit_in_an_earlier_period_is_not_counted_again():
    case = ComplaintFactory(notified=local_dt("2026-03-20"), received_at=local_dt("2026-03-01"))
    FollowUpVisitFactory(case=case, rating=2, visited_at=local_dt("2026-03-25"))
    FollowUpVisitFactory(case=case, rating=5, visited_at=local_dt("2026-04-02"))
    row, _ = sales_row()
    assert row.revisited == 0
    assert row.satisfaction_rate is None


def test_zero_denominators_give_not_available():
    DepartmentFactory(code="SALES", name="Sales")
    row, table = sales_row()
    assert row.complaint_rate is None and row.timeliness_rate is None and row.satisfaction_rate is None
    assert table.company.complaint_rate is None


def test_stage_compliance_counts_met_on_or_before_due_and_open_past_due():
    case = ComplaintFactory()
    CaseDeadlineFactory(case=case, stage="acknowledge", due_on=datetime.date(2026, 4, 13), met_at=local_dt("2026-04-13", 23))
    CaseDeadlineFactory(case=case, stage="dispatch", due_on=datetime.date(2026, 4, 13), met_at=local_dt("2026-04-14", 8))
    CaseDeadlineFactory(case=case, stage="form_team", due_on=datetime.date(2026, 4, 14))
    CaseDeadlineFactory(case=case, stage="report", due_on=datetime.date(2026, 4, 20), stopped_at=local_dt("2026-04-16"))
    row, _ = sales_row()
    rates = row.stage_rates
    assert rates["acknowledge"]["rate"] == Decimal("100.00")
    assert rates["dispatch"]["rate"] == Decimal("0.00")
    assert rates["form_team"]["denominator"] == 1 and rates["form_team"]["met"] == 0
    assert rates["report"]["denominator"] == 0 and rates["report"]["rate"] is None


def test_regulator_companions_and_referral_only_variant():
    ComplaintFactory(channel="regulator")
    ComplaintFactory()
    PolicyVolumeFactory(new_policies=1000, policies_in_force=20_000, premium=Decimal("50000000"), insured_persons=40_000)
    row, _ = sales_row()
    figures = row.companions
    assert figures["per_10k_in_force"] == Decimal("1.0000")
    assert figures["per_100m_premium"] == Decimal("4.0000")
    assert figures["per_10k_insured"] == Decimal("0.5000")
    assert figures["regulator_per_10k_in_force"] == Decimal("0.5000")


def test_year_is_recomputed_from_annual_counts_not_averaged():
    ComplaintFactory(received_at=local_dt("2026-02-10"), notified=local_dt("2026-02-12"))
    ComplaintFactory(notified=local_dt("2026-04-12"))
    ComplaintFactory(notified=local_dt("2026-05-30"))
    PolicyVolumeFactory(period="2026Q1", new_policies=100)
    PolicyVolumeFactory(period="2026Q2", new_policies=300)
    row, _ = sales_row(period=period_parse("2026"))
    assert row.complaints == 3 and row.new_policies == 400
    assert row.complaint_rate == Decimal("0.7500")
    assert row.timeliness_rate == Decimal("66.67")  # not the mean of 100 and 50


def test_company_row_includes_cases_not_yet_dispatched():
    ComplaintFactory()
    ComplaintFactory(department=None)
    _, table = sales_row()
    assert table.company.complaints == 2
    assert table.unassigned.complaints == 1


def test_department_restriction_returns_only_those_departments():
    ComplaintFactory()
    other = DepartmentFactory(code="CS", name="CS")
    ComplaintFactory(department=other)
    from cases.models import Department

    table = kpi_table(Q2, AFTER, departments=Department.objects.filter(code="CS"))
    assert [r.department for r in table.rows] == ["CS"]
    assert table.company.complaints == 1


def test_drill_down_returns_exactly_the_counted_cases_for_every_figure():
    # given: one case of each kind
    master = ComplaintFactory(notified=local_dt("2026-04-20"))
    ComplaintFactory(merged_into=master)
    ComplaintFactory(notified=local_dt("2026-05-20"), channel="regulator")
    ComplaintFactory(withdrawn_at=local_dt("2026-04-15"))
    ComplaintFactory(due_overall=datetime.date(2026, 8, 1))
    ComplaintFactory(complaint_type="feedback")
    FollowUpVisitFactory(case=master, rating=4)
    FollowUpVisitFactory(outcome="refused", rating=None)
    # when
    row, table = sales_row()
    # then
    for figure in CASE_FIGURES:
        cases = kpi_cases(Q2, figure, department="SALES", as_of=AFTER)
        assert cases.count() == getattr(row, figure), figure
        assert kpi_cases(Q2, figure, as_of=AFTER).count() == getattr(table.company, figure), figure
