"""Results pages: rule editor, proposals with approval/confirmation/correction, per-employee
payroll export, promotion report, training — and who may see each."""
import datetime
import io
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from assessment.bonus.models import BonusApproval, BonusProposal, BonusRuleSet, TrainingPlan, TrainingTopic
from tests.assessment.kpi.test_services import make_user
from tests.factories.assessment import (
    ComplaintFactory,
    DepartmentFactory,
    PolicyVolumeFactory,
    TargetFactory,
    local_dt,
)

pytestmark = pytest.mark.django_db
Q = "2026Q2"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def depts():
    sales = DepartmentFactory(code="SALES", name="Sales")
    cs = DepartmentFactory(code="CS", name="CS")
    PolicyVolumeFactory(department=sales, new_policies=10_000)
    TargetFactory(department=sales, complaint_rate=D("0.05"))
    ComplaintFactory(department=sales, notified=local_dt("2026-04-20"))
    ComplaintFactory(department=cs, notified=local_dt("2026-04-20"))
    return sales, cs


@pytest.fixture
def sup():
    return client_for(make_user("sup", "supervisor"))


def test_supervisor_computes_approves_and_exports_the_payroll(depts, sup):
    sales, _cs = depts
    make_user("inv_sales", "investigator", sales)
    assert sup.post("/assessment/results/run/", {"quarter": Q}).status_code == 302
    page = sup.get(f"/assessment/results/?quarter={Q}")
    assert page.status_code == 200 and len(page.context["proposals"]) == 2
    assert "rules v1" in page.content.decode()
    assert sup.post("/assessment/results/approve/", {"quarter": Q}).status_code == 302
    assert set(BonusProposal.objects.values_list("state", flat=True)) == {"approved"}
    csv_response = sup.get(f"/assessment/results/employees/export.csv?quarter={Q}")
    assert csv_response["Content-Disposition"] == f'attachment; filename="bonus-{Q}.csv"'
    assert "inv_sales" in csv_response.content.decode("utf-8-sig")
    xlsx = sup.get(f"/assessment/results/employees/export.xlsx?quarter={Q}")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert any(row and "inv_sales" in row for row in rows)


def test_approving_again_shows_the_confirmation_and_records_it(depts, sup):
    sup.post("/assessment/results/run/", {"quarter": Q})
    sup.post("/assessment/results/approve/", {"quarter": Q})
    response = sup.post("/assessment/results/approve/", {"quarter": Q})
    assert response.status_code == 409 and "already approved" in response.content.decode()
    assert BonusApproval.objects.count() == 1
    sup.post("/assessment/results/approve/", {"quarter": Q, "confirm": "on", "note": "again"})
    assert BonusApproval.objects.filter(confirmed=True, note="again").count() == 1


def test_correction_through_the_page_adds_a_version(depts, sup):
    sales, _cs = depts
    sup.post("/assessment/results/run/", {"quarter": Q})
    sup.post("/assessment/results/approve/", {"quarter": Q})
    sup.post("/assessment/results/correct/", {"quarter": Q, "department": sales.pk, "reason": "volume fixed",
                                             "adjustment_percent": "3"})
    assert BonusProposal.objects.filter(department=sales).count() == 2


def test_department_head_sees_only_their_department_read_only(depts):
    sales, _cs = depts
    head = client_for(make_user("head", "department_head", sales, membership="head"))
    client_for(make_user("sup", "supervisor"))
    sup = client_for(make_user("sup2", "supervisor"))
    sup.post("/assessment/results/run/", {"quarter": Q})
    page = head.get(f"/assessment/results/?quarter={Q}")
    assert [p.department.code for p in page.context["proposals"]] == ["SALES"]
    assert not page.context["is_supervisor"]
    assert head.post("/assessment/results/approve/", {"quarter": Q}).status_code == 403
    assert head.get("/assessment/results/rules/").status_code == 403
    assert head.get("/assessment/results/promotion/").status_code == 403
    assert head.get("/assessment/results/training/").status_code == 200


def test_investigator_may_not_see_results(depts):
    inv = client_for(make_user("inv", "investigator", depts[0]))
    assert inv.get("/assessment/results/").status_code == 403
    assert inv.get(f"/assessment/results/employees/export.csv?quarter={Q}").status_code == 403


def _rule_post(**tier):
    data = {"name": "2026H2", "effective_from": "2026Q3", "effective_to": "", "weight_complaint_rate": "0.4",
            "weight_on_time_rate": "0.3", "weight_satisfaction_rate": "0.3", "note": "",
            "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0", "tiers-MIN_NUM_FORMS": "0",
            "tiers-MAX_NUM_FORMS": "20"}
    rows = [{"label": "Top", "combine": "all", "on_time_op": "gte", "on_time_threshold": "95",
             "adjustment_percent": "10"}, tier]
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"tiers-{i}-{key}"] = value
    return data


def test_rule_editor_refuses_an_impossible_threshold_with_a_message(sup):
    response = sup.post("/assessment/results/rules/new/", _rule_post(
        label="Bad", combine="all", satisfaction_op="gte", satisfaction_threshold="120", adjustment_percent="5"))
    assert response.status_code == 200 and "impossible" in response.content.decode()
    assert BonusRuleSet.objects.count() == 1


def test_rule_editor_saves_a_new_version_and_reports_overlaps(sup):
    response = sup.post("/assessment/results/rules/new/", _rule_post(
        label="Wide", combine="all", on_time_op="gte", on_time_threshold="90", adjustment_percent="5"), follow=True)
    assert BonusRuleSet.objects.get(version=2).tiers.count() == 2
    assert "overlap" in response.content.decode()
    assert sup.get("/assessment/results/rules/new/?from=1").context["formset"].initial[0]["label"] == "奖励 +10%"


def test_promotion_report_and_export(depts, sup):
    make_user("inv_sales", "investigator", depts[0])
    assert sup.get("/assessment/results/promotion/?year=2026").status_code == 200
    response = sup.get("/assessment/results/promotion/export.xlsx?year=2026")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0] == "Promotion review" and any(row and row[1] == "inv_sales" for row in rows)
    assert sup.get("/assessment/results/promotion/?year=2026Q1").status_code == 404


def test_training_plan_created_and_completed_from_the_page(depts, sup):
    sales, _cs = depts
    owner = make_user("trainer", "investigator", sales)
    topic = TrainingTopic.objects.get(code="process")
    response = sup.post("/assessment/results/training/plans/", {
        "period": Q, "topic": topic.pk, "department": sales.pk, "audience": "Claims staff", "date": "2026-08-01",
        "owner": owner.pk})
    assert response.status_code == 302
    plan = TrainingPlan.objects.get()
    assert plan.date == datetime.date(2026, 8, 1) and plan.created_by.username == "sup"
    sup.post(f"/assessment/results/training/plans/{plan.pk}/complete/", {"note": "done"})
    plan.refresh_from_db()
    assert plan.completed_at is not None and plan.completion_note == "done"
    assert sup.get(f"/assessment/results/training/?period={Q}").status_code == 200


def test_the_results_page_and_the_admin_show_a_reason_in_the_readers_language(depts, sup):
    # given proposals computed while the supervisor read Chinese (each request's language is
    # undone after it: LocaleMiddleware leaves the last one active in the thread)
    with translation.override("en"):
        sup.post("/assessment/results/run/", {"quarter": Q}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    proposal = BonusProposal.objects.get(department=depts[0], quarter=Q)
    admin = make_user("admin", "supervisor")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    admin_client = client_for(admin)

    for language, says in (("en", "rules v1: complaint rate"), ("zh-hans", "规则第 1 版：投诉率")):
        # when a reader of each language opens the results page and the admin
        with translation.override("en"):
            page = sup.get(f"/assessment/results/?quarter={Q}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            shown = admin_client.get(f"/admin/assessment/bonusproposal/{proposal.pk}/change/",
                                     HTTP_ACCEPT_LANGUAGE=language).content.decode()
        # then both show the reason in that language
        assert says in page and says in shown, language
