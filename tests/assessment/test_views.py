"""Dashboard, drill-down, exports, targets and follow-up queue pages: visibility and contents."""
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.assessment.test_services import make_user
from tests.factories.assessment import ComplaintFactory, DepartmentFactory, local_dt

pytestmark = pytest.mark.django_db

Q = "period=2026Q2&as_of=2026-07-15"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def data():
    sales = DepartmentFactory(code="SALES", name="Sales")
    cs = DepartmentFactory(code="CS", name="CS")
    ComplaintFactory(department=sales, notified=local_dt("2026-04-20"))
    ComplaintFactory(department=cs)
    return sales, cs


def test_supervisor_sees_every_department_and_the_company(data):
    response = client_for(make_user("sup", "supervisor")).get(f"/assessment/dashboard/?{Q}")
    assert response.status_code == 200
    rows = [item["row"].department for item in response.context["rows"]]
    assert rows == ["CS", "SALES", "ALL"]


def test_department_head_sees_only_their_department(data):
    sales, _cs = data
    head = make_user("head_sales", "department_head", sales, membership="head")
    client = client_for(head)
    response = client.get(f"/assessment/dashboard/?{Q}")
    assert [item["row"].department for item in response.context["rows"]] == ["SALES", "ALL"]
    assert response.context["table"].company.complaints == 1
    drill = client.get(f"/assessment/dashboard/cases/?{Q}&figure=complaints&department=CS")
    assert drill.status_code == 404


def test_investigator_may_not_see_the_dashboard(data):
    sales, _cs = data
    response = client_for(make_user("inv", "investigator", sales)).get(f"/assessment/dashboard/?{Q}")
    assert response.status_code == 403


def test_drill_down_lists_exactly_the_counted_cases(data):
    client = client_for(make_user("sup", "supervisor"))
    response = client.get(f"/assessment/dashboard/cases/?{Q}&figure=late&department=ALL")
    assert response.status_code == 200 and response.context["count"] == 1


def test_exports_write_period_and_as_of_in_the_file(data):
    client = client_for(make_user("sup", "supervisor"))
    text = client.get(f"/assessment/dashboard/export.csv?{Q}").content.decode()
    assert "2026Q2" in text and "2026-07-15" in text
    assert "department,complaints,new_policies" in text and "\nALL,2," in text
    workbook = load_workbook(io.BytesIO(client.get(f"/assessment/dashboard/export.xlsx?{Q}").content))
    values = [row for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][1] == "2026Q2" and values[1][1] == "2026-07-15"
    assert values[-1][0] == "ALL" and values[-1][1] == 2


def test_supervisor_sets_a_target_in_the_portal(data):
    client = client_for(make_user("sup", "supervisor"))
    response = client.post("/assessment/targets/", {"period": "2026Q2", "department": data[0].pk, "on_time_rate": "95"})
    assert response.status_code == 302
    from assessment.models import Target

    assert Target.objects.get().on_time_rate == 95


def test_followup_queue_lists_notified_cases_without_outcome_and_records_a_visit(data):
    from cases.models import CalendarYear

    CalendarYear.objects.create(year=2026)
    clerk = make_user("clerk", "intake_clerk")
    client = client_for(clerk)
    response = client.get("/assessment/followups/")
    assert [i["case"].department.code for i in response.context["items"]] == ["SALES"]
    reference = response.context["items"][0]["case"].reference
    assert str(response.context["items"][0]["due"]) == "2026-04-27"
    client.post(f"/assessment/followups/{reference}/visit/", {"outcome": "completed", "rating": "5"})
    assert client.get("/assessment/followups/").context["items"] == []


def test_dashboard_counts_regulator_referrals_separately_and_drills_into_them(data):
    sales, _cs = data
    referral = ComplaintFactory(department=sales, channel="regulator", regulator_reference="JG-1")
    client = client_for(make_user("sup", "supervisor"))
    page = client.get(f"/assessment/dashboard/?{Q}")
    rows = {item["row"].department: item["row"] for item in page.context["rows"]}
    assert rows["SALES"].regulator_complaints == 1 and rows["ALL"].regulator_complaints == 1
    assert rows["ALL"].complaints == 3
    assert 'id="regulator-figures"' in page.content.decode()
    drill = client.get(f"/assessment/dashboard/cases/?{Q}&figure=regulator_complaints&department=SALES")
    assert [c.reference for c in drill.context["cases"]] == [referral.reference]
