"""Promotion and awards per employee and year (rules.promotion_decide, services.promotion.promotion_review)."""
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from assessment.bonus import rules as bonus
from assessment.bonus.models import PromotionPolicy
from assessment.bonus.services import promotion as promotion_services
from cases.models import Report, TeamMember
from tests.assessment.kpi.test_services import make_user
from tests.factories.assessment import ComplaintFactory, DepartmentFactory, FollowUpVisitFactory, local_dt

T = bonus.PromotionThresholds(D("0.50"), 2, D(95), D(90), 1)


def figures(**kw):
    base = {"handled": 10, "at_fault": 1, "on_time": 10, "judged": 10, "satisfied": 9, "revisited": 10}
    return bonus.EmployeeFigures(**{**base, **kw})


def test_plus_when_clearly_below_average_with_high_on_time_and_satisfaction():
    decision = bonus.promotion_decide(figures(), D(20), T)
    assert decision.plus_points == 1 and not decision.disqualified
    assert any("≤ 0.50 × average 20%" in r for r in decision.reasons)


def test_exactly_half_the_average_is_clearly_below():
    assert bonus.promotion_decide(figures(at_fault=1), D(20), T).plus_points == 1  # 10 % ≤ 10 %
    assert bonus.promotion_decide(figures(at_fault=2), D("19.98"), T).plus_points == 0  # 20 % > 9.99 %


def test_no_plus_when_a_rate_is_na_or_too_few_cases_or_no_average():
    assert bonus.promotion_decide(figures(revisited=0, satisfied=0), D(20), T).plus_points == 0
    assert bonus.promotion_decide(figures(handled=1, at_fault=0), D(20), T).plus_points == 0
    decision = bonus.promotion_decide(figures(at_fault=0), D(0), T)
    assert decision.plus_points == 0 and any("cannot be clearly below" in r for r in decision.reasons)


def test_disqualification_wins_over_a_plus_and_names_the_cases():
    decision = bonus.promotion_decide(figures(), D(20), T, ["TS-2026-000001"])
    assert decision.disqualified and decision.plus_points == 0 and "TS-2026-000001" in decision.reasons[0]


# -- with the database ---------------------------------------------------------------------------
def _handle(case, user, *, lead=True, at_fault=False, responsible="", when="2026-04-15"):
    TeamMember.objects.create(case=case, user=user, role="lead" if lead else "member", named_by=user,
                              named_at=local_dt(when))
    Report.objects.create(case=case, facts="f", at_fault=at_fault, responsible_staff=responsible,
                          recommendation="r", submitted_by=user, submitted_at=local_dt(when))
    case.at_fault = at_fault
    case.save()


@pytest.mark.django_db
def test_found_at_fault_in_a_major_negative_impact_complaint_disqualifies_for_the_year():
    # given a lead of an at-fault major-impact case and a salesperson named as responsible
    sales = DepartmentFactory(code="SALES", name="Sales")
    lead = make_user("lead", "investigator", sales)
    agent = make_user("agent_wang", "investigator", sales)
    agent.first_name, agent.last_name = "Wang", "Wei"
    agent.save()
    bystander = make_user("bystander", "investigator", sales)
    major = ComplaintFactory(department=sales, major_negative_impact=True)
    _handle(major, lead, at_fault=True, responsible="Wang Wei、Unknown Person")
    _handle(ComplaintFactory(department=sales), bystander)
    # when the year is reviewed
    report = promotion_services.promotion_review("2026")
    rows = {r.user.username: r for r in report.rows}
    # then the lead and the named person are disqualified, with the case, and the others are not
    assert rows["lead"].decision.disqualified and rows["lead"].disqualifying == [major.reference]
    assert rows["agent_wang"].decision.disqualified
    assert not rows["bystander"].decision.disqualified
    assert report.unmatched_names == [("Unknown Person", major.reference)]


@pytest.mark.django_db
def test_at_fault_without_major_impact_or_in_another_year_does_not_disqualify():
    sales = DepartmentFactory(code="SALES", name="Sales")
    lead = make_user("lead", "investigator", sales)
    _handle(ComplaintFactory(department=sales), lead, at_fault=True)
    _handle(ComplaintFactory(department=sales, received_at=local_dt("2025-11-01"), major_negative_impact=True),
            lead, at_fault=True, when="2025-11-10")
    rows = {r.user.username: r for r in promotion_services.promotion_review("2026").rows}
    assert not rows["lead"].decision.disqualified


@pytest.mark.django_db
def test_review_computes_each_handlers_figures_against_the_average_and_exports():
    # given two handlers: "good" 4 cases, none at fault, on time, satisfied; "weak" 4 cases, all at fault
    sales = DepartmentFactory(code="SALES", name="Sales")
    PromotionPolicy.objects.create(min_cases=3, on_time_min=D(90), satisfaction_min=D(80))
    good, weak = make_user("good", "investigator", sales), make_user("weak", "investigator", sales)
    good_cases = []
    for _ in range(4):
        case = ComplaintFactory(department=sales, notified=local_dt("2026-04-20"))
        FollowUpVisitFactory(case=case, rating=5)
        _handle(case, good)
        good_cases.append(case.reference)
        _handle(ComplaintFactory(department=sales, notified=local_dt("2026-04-20")), weak, at_fault=True)
    # when
    report = promotion_services.promotion_review("2026")
    rows = {r.user.username: r for r in report.rows}
    # then: average at-fault rate 50 %, good 0 % → plus; weak 100 % → none
    assert report.average_rate == D("50.00") and report.thresholds.min_cases == 3
    assert rows["good"].decision.plus_points == 1 and rows["good"].cases == sorted(good_cases)
    assert rows["weak"].decision.plus_points == 0
    assert rows["good"].figures.on_time_rate == D("100.00")
    text = promotion_services.promotion_csv(report)
    assert "good" in text and good_cases[0] in text
    rows = list(load_workbook(io.BytesIO(promotion_services.promotion_xlsx(report))).active.values)
    assert rows[0][0] == "Promotion review"
    header = next(i for i, row in enumerate(rows) if row and row[:2] == ("Year", "Username"))
    assert len(rows) - header - 1 == 2
