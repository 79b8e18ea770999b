"""Quarterly bonus proposals (assessment.bonus.services): rule set in force, proposal with a
checkable reason, approval freeze, confirmations, versioned corrections, payroll export."""
import datetime
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from assessment.bonus.models import BonusApproval, BonusProposal, BonusRuleSet
from assessment.bonus.services import common as result_files
from assessment.bonus.services import proposals as proposal_services
from assessment.bonus.services import rulesets as ruleset_services
from complaints_portal.common.errors import PermissionDenied
from tests.assessment.kpi.test_services import make_user
from tests.factories.assessment import (
    ComplaintFactory,
    DepartmentFactory,
    FollowUpVisitFactory,
    PolicyVolumeFactory,
    TargetFactory,
    local_dt,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 7, 15)
Q = "2026Q2"


@pytest.fixture
def supervisor():
    return make_user("supervisor", "supervisor")


@pytest.fixture
def sales():
    """SALES in 2026Q2: 3 complaints on 10,000 policies (0.0300 against a 0.0500 target), all
    decided on time, all revisited with a 5 → the seeded rules give +10%."""
    dept = DepartmentFactory(code="SALES", name="Sales")
    PolicyVolumeFactory(department=dept, new_policies=10_000)
    TargetFactory(department=dept, complaint_rate=D("0.05"), on_time_rate=D(95), satisfaction_rate=D(90))
    for _ in range(3):
        case = ComplaintFactory(department=dept, notified=local_dt("2026-04-20"))
        FollowUpVisitFactory(case=case, rating=5)
    return dept


@pytest.fixture
def cs():
    """CS has no policies imported: no complaint rate (N/A)."""
    dept = DepartmentFactory(code="CS", name="Customer service")
    ComplaintFactory(department=dept, notified=local_dt("2026-05-20"), due_overall=datetime.date(2026, 5, 10))
    return dept


def test_seeded_rule_set_is_in_force_for_any_quarter():
    rule_set = ruleset_services.rule_set_in_force(Q)
    assert rule_set.version == 1 and [t.adjustment_percent for t in rule_set.tiers.all()] == [D(10), D(-10)]


def test_a_later_version_applies_from_its_first_quarter_only(supervisor):
    ruleset_services.rule_set_create(supervisor, name="2026H2", effective_from="2026Q3", weights=dict.fromkeys(
        ("complaint_rate", "on_time_rate", "satisfaction_rate"), D(1)),
        tiers=[{"label": "All +5", "combine": "all", "adjustment_percent": D(5)}])
    assert ruleset_services.rule_set_in_force("2026Q2").version == 1
    assert ruleset_services.rule_set_in_force("2026Q3").version == 2


def test_rule_set_with_impossible_threshold_is_refused(supervisor):
    with pytest.raises(result_files.BonusRulesInvalid) as exc:
        ruleset_services.rule_set_create(supervisor, name="bad", effective_from="2026Q3",
                            weights={"complaint_rate": D(1), "on_time_rate": D(0), "satisfaction_rate": D(0)},
                            tiers=[{"label": "x", "combine": "all", "on_time_op": "gte",
                                    "on_time_threshold": D(120), "adjustment_percent": D(5)}])
    assert exc.value.code == "bonus_rules_invalid" and "impossible" in exc.value.message
    assert BonusRuleSet.objects.count() == 1


def test_only_the_supervisor_runs_proposals(sales):
    with pytest.raises(PermissionDenied):
        proposal_services.bonus_proposal_run(make_user("head", "department_head", sales, membership="head"), Q, as_of=AS_OF)


def test_proposal_gives_each_department_its_tier_and_a_checkable_reason(supervisor, sales, cs):
    proposals = {p.department.code: p for p in proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)}
    p = proposals["SALES"]
    assert p.adjustment_percent == D(10) and p.tier_order == 1 and p.rule_version == 1
    assert p.figures["complaint_rate"] == "0.0300" and p.figures["on_time_rate"] == "100.00"
    assert "3 complaints ÷ 10000 new policies" in p.reason_text and "→ +10.00%" in p.reason_text
    assert p.composite_score is not None
    # CS: no policies → complaint rate N/A; its decision was late (on-time 0 %) → malus via ANY
    c = proposals["CS"]
    assert c.figures["complaint_rate"] == "" and c.adjustment_percent == D(-10)
    assert "N/A" in c.reason_text


def test_rerun_before_approval_recomputes_in_place(supervisor, sales):
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    ComplaintFactory(department=sales)  # open past due → late: on-time 3 of 4 = 75 % < 90 → malus
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    assert BonusProposal.objects.filter(department=sales).count() == 1
    assert BonusProposal.objects.get(department=sales).adjustment_percent == D(-10)


def test_approval_freezes_and_rerun_changes_nothing(supervisor, sales):
    # given an approved quarter
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    approval = proposal_services.bonus_quarter_approve(supervisor, Q)
    frozen = BonusProposal.objects.get(department=sales)
    assert frozen.state == "approved" and frozen.approval == approval and not approval.confirmed
    history_rows = frozen.history.count()
    # when the figures change and the proposal is re-run
    ComplaintFactory(department=sales)
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    # then the approved row is untouched
    again = BonusProposal.objects.get(department=sales)
    assert again.adjustment_percent == D(10) and again.updated_at == frozen.updated_at
    assert again.history.count() == history_rows


def test_approving_twice_needs_confirmation_which_is_recorded(supervisor, sales):
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    proposal_services.bonus_quarter_approve(supervisor, Q)
    with pytest.raises(result_files.BonusConfirmationRequired) as exc:
        proposal_services.bonus_quarter_approve(supervisor, Q)
    assert exc.value.code == "bonus_confirmation_required" and exc.value.extra["already_approved"] == 1
    approval = proposal_services.bonus_quarter_approve(supervisor, Q, confirm=True, note="re-confirmed for payroll")
    assert approval.confirmed and approval.already_approved == 1
    assert BonusApproval.objects.count() == 2


def test_approving_with_pending_cases_needs_confirmation_which_is_recorded(supervisor, sales):
    ComplaintFactory(department=sales, received_at=local_dt("2026-06-29"), due_overall=datetime.date(2099, 1, 1))
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    with pytest.raises(result_files.BonusConfirmationRequired) as exc:
        proposal_services.bonus_quarter_approve(supervisor, Q)
    assert exc.value.extra["pending_cases"] == 1
    assert not BonusProposal.objects.filter(state="approved").exists()
    approval = proposal_services.bonus_quarter_approve(supervisor, Q, confirm=True)
    assert approval.confirmed and approval.pending_cases == 1
    assert BonusProposal.objects.get(department=sales).state == "approved"


def test_nothing_to_approve_before_a_run(supervisor):
    with pytest.raises(result_files.BonusNothingToApprove):
        proposal_services.bonus_quarter_approve(supervisor, Q)


def test_correction_is_a_new_approved_version_with_its_reason(supervisor, sales):
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    proposal_services.bonus_quarter_approve(supervisor, Q)
    with pytest.raises(result_files.BonusCorrectionInvalid):
        proposal_services.bonus_proposal_correct(supervisor, sales, Q, reason=" ")
    corrected = proposal_services.bonus_proposal_correct(supervisor, sales, Q, reason="Policy volume corrected by finance",
                                           adjustment_percent=D(5), as_of=AS_OF)
    assert corrected.version == 2 and corrected.state == "approved" and corrected.adjustment_percent == D(5)
    assert corrected.correction_reason == "Policy volume corrected by finance"
    first = BonusProposal.objects.get(department=sales, version=1)
    assert first.adjustment_percent == D(10) and first.state == "approved"  # unchanged
    assert [p.version for p in proposal_services.bonus_proposals_current(Q)] == [2]


def test_correction_of_an_unapproved_proposal_is_refused(supervisor, sales):
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    with pytest.raises(result_files.BonusCorrectionInvalid):
        proposal_services.bonus_proposal_correct(supervisor, sales, Q, reason="x", adjustment_percent=D(1))


def test_payroll_lists_every_member_of_approved_departments_only(supervisor, sales, cs):
    make_user("inv_sales", "investigator", sales)
    make_user("head_sales", "department_head", sales, membership="head")
    make_user("inv_cs", "investigator", cs)
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    proposal_services.bonus_quarter_approve(supervisor, Q)
    proposal_services.bonus_proposal_correct(supervisor, cs, Q, reason="Agreed exception", adjustment_percent=D(0))
    rows = proposal_services.employee_adjustments(Q)
    assert [(r["department"].code, r["user"].username) for r in rows] == [
        ("CS", "inv_cs"), ("SALES", "head_sales"), ("SALES", "inv_sales")]
    text = proposal_services.payroll_csv(Q, user=supervisor)
    assert text.startswith("\ufeffBonus adjustments for payroll\n")
    assert "\nQuarter,Department,Username,Name,Role,Adjustment (%),Version,Approved at,Approved by\n" in text
    assert f"\n{Q},Sales,inv_sales,,Investigator,10.0,1," in text
    assert f"\n{Q},Customer service,inv_cs,,Investigator,0.0,2," in text
    assert f"Exported by,{supervisor.get_full_name() or supervisor.username}" in text
    rows = list(load_workbook(io.BytesIO(proposal_services.payroll_xlsx(Q))).active.values)
    header = next(i for i, row in enumerate(rows) if row and row[:2] == ("Quarter", "Department"))
    assert len(rows) - header - 1 == 3 and rows[header + 1][5] == 0.0


def test_payroll_leaves_out_departments_not_yet_approved(supervisor, sales):
    make_user("inv_sales", "investigator", sales)
    proposal_services.bonus_proposal_run(supervisor, Q, as_of=AS_OF)
    assert proposal_services.payroll_csv(Q).rstrip("\n").rsplit("\n", 1)[-1].startswith("Quarter,")
