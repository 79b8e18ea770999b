"""Routing rules (SPEC §14): the most specific matching active rule names the department the
intake form and the dispatch form are pre-filled with."""
import pytest
from django.test import Client

from cases.actions.forms import action_form
from cases.models import Department, RoutingRule
from cases.routing import routed_department
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(people):
    sales, cs = Department.objects.get(code="SALES"), Department.objects.get(code="CS")
    claims = Department.objects.create(code="CLAIMS", name="Claims")
    RoutingRule.objects.create(category="product", department=sales, priority=50)
    RoutingRule.objects.create(category="product", dispute_type="claims", department=claims, priority=90)
    RoutingRule.objects.create(category="service", department=cs)
    RoutingRule.objects.create(product_line="重疾", department=claims, priority=10)
    RoutingRule.objects.create(channel="regulator", department=sales, active=False)
    return {"SALES": sales, "CS": cs, "CLAIMS": claims}


def test_the_most_specific_rule_wins_then_the_priority(rules):
    assert routed_department(category="product") == rules["SALES"]
    assert routed_department(category="product", dispute_type="claims") == rules["CLAIMS"]
    assert routed_department(category="service", channel="hotline") == rules["CS"]


def test_product_line_matches_when_contained_and_inactive_rules_are_ignored(rules):
    assert routed_department(category="misconduct", product_line="康宁重疾险") == rules["CLAIMS"]
    assert routed_department(category="misconduct", channel="regulator") is None
    Department.objects.filter(code="CS").update(active=False)
    assert routed_department(category="service") is None


def test_dispatch_form_is_prefilled_for_a_case_from_any_channel(rules, people):
    case = ComplaintFactory(category="service")
    form = action_form("assign", case=case, access=people["clerk"])
    assert form["department"].initial == "CS"
    assert action_form("assign", case=ComplaintFactory(category="misconduct", misconduct_kind="mis_selling"),
                       access=people["clerk"])[
        "department"].initial is None


def test_intake_route_answers_the_department_code(rules, people):
    client = Client()
    client.force_login(people["clerk"])
    assert client.post("/cases/new/route/", {"category": "product", "dispute_type": "claims"}).json() == {
        "department": "CLAIMS"}
    assert client.post("/cases/new/route/", {"category": "misconduct"}).json() == {"department": ""}
    assert client.get("/cases/new/route/?category=product").status_code == 405


def test_rule_changes_are_kept_in_history(rules):
    rule = RoutingRule.objects.get(category="service")
    rule.priority = 5
    rule.save()
    assert [h.priority for h in rule.history.order_by("history_date")] == [100, 5]
    assert str(rule).endswith("→ " + rules["CS"].name)
