"""Dashboard, drill-down, exports, targets and follow-up queue pages: visibility and contents."""
import io

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from tests.assessment.kpi.test_services import make_user
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


def test_exports_write_title_period_as_of_who_and_translated_headers_in_the_file(data):
    client = client_for(make_user("sup", "supervisor"))
    raw = client.get(f"/assessment/dashboard/export.csv?{Q}").content.decode("utf-8")
    assert raw.startswith("\ufeffKPI report\n")  # the BOM Excel needs, then the title
    assert "Period,2026Q2" in raw and "As of,2026-07-15" in raw and "Exported by,sup" in raw
    assert "Department,Complaints,New policies" in raw and "\nWhole company,2," in raw
    assert "timeliness_denominator" not in raw
    workbook = load_workbook(io.BytesIO(client.get(f"/assessment/dashboard/export.xlsx?{Q}").content))
    values = [row for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][0] == "KPI report" and values[1][1] == "2026Q2" and values[2][1] == "2026-07-15"
    assert values[-1][0] == "Whole company" and values[-1][1] == 2


def test_exports_speak_the_readers_language(data):
    client = client_for(make_user("sup", "supervisor"))
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    raw = client.get(f"/assessment/dashboard/export.csv?{Q}").content.decode("utf-8")
    with translation.override("zh-hans"):
        title, header = translation.gettext("KPI report"), translation.gettext("Complaint rate")
    assert title != "KPI report" and raw.startswith(f"\ufeff{title}\n") and header in raw


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
    # The visit was due on 2026-04-27: it is listed with the overdue visits.
    response = client.get("/assessment/followups/?show=overdue")
    assert [i["case"].department.code for i in response.context["items"]] == ["SALES"]
    reference = response.context["items"][0]["case"].reference
    assert str(response.context["items"][0]["due"]) == "2026-04-27"
    client.post(f"/assessment/followups/{reference}/visit/", {"outcome": "completed", "rating": "5"})
    assert client.get("/assessment/followups/?show=overdue").context["items"] == []


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


def test_backlog_overdue_and_stage_figures_drill_into_exactly_the_cases_counted(data):
    import datetime

    from tests.factories.assessment import CaseDeadlineFactory

    sales, cs = data
    # given open cases in two statuses, one past its nearest due date, a closed one, and
    # acknowledge deadlines met on time, met late and still open
    late = ComplaintFactory(department=sales, status="assigned", next_due=datetime.date(2026, 4, 20))
    ComplaintFactory(department=cs, status="assigned", next_due=datetime.date(2999, 1, 1))
    ComplaintFactory(department=sales, status="closed", notified_at=local_dt("2026-04-20"), first_notified_at=local_dt("2026-04-20"))
    on_time, after = ComplaintFactory(department=sales), ComplaintFactory(department=cs)
    CaseDeadlineFactory(case=on_time, met_at=local_dt("2026-04-12"))
    CaseDeadlineFactory(case=after, met_at=local_dt("2026-04-20"))
    CaseDeadlineFactory(case=late)
    client = client_for(make_user("sup", "supervisor"))
    page = client.get(f"/assessment/dashboard/?{Q}")
    backlog = {code: n for code, _label, n in page.context["backlog"]}
    html = page.content.decode()
    # then each figure links to a list of exactly the cases it counts
    assert page.context["overdue"] == 1
    for code, n in backlog.items():
        assert f"backlog={code}" in html
        drill = client.get(f"/assessment/dashboard/cases/?{Q}&backlog={code}")
        assert drill.context["count"] == n
    assert backlog["assigned"] == 2
    drill = client.get(f"/assessment/dashboard/cases/?{Q}&backlog=overdue")
    assert [c.reference for c in drill.context["cases"]] == [late.reference]
    stages = {stage: rates for stage, _label, rates in page.context["stages"]}
    assert (stages["acknowledge"]["met"], stages["acknowledge"]["denominator"]) == (1, 3)
    for stage, rates in stages.items():
        for state, n in (("met", rates["met"]), ("denominator", rates["denominator"])):
            drill = client.get(f"/assessment/dashboard/cases/?{Q}&stage={stage}&state={state}")
            assert drill.status_code == 200 and drill.context["count"] == n, (stage, state)
    met = client.get(f"/assessment/dashboard/cases/?{Q}&stage=acknowledge&state=met")
    assert [c.reference for c in met.context["cases"]] == [on_time.reference]
    # a department head's backlog and overdue cases are their department's only
    head = client_for(make_user("head_cs", "department_head", cs, membership="head"))
    assert {code: n for code, _l, n in head.get(f"/assessment/dashboard/?{Q}").context["backlog"]}["assigned"] == 1
    assert head.get(f"/assessment/dashboard/cases/?{Q}&backlog=overdue").context["count"] == 0
    # unknown statuses, stages and states are not found
    for query in ("backlog=closed", "backlog=nope", "stage=nope&state=met", "stage=acknowledge&state=nope"):
        assert client.get(f"/assessment/dashboard/cases/?{Q}&{query}").status_code == 404, query


def test_followup_page_refuses_a_visit_for_an_archived_case_with_a_message(data):
    from django.contrib.messages import get_messages

    from assessment.models import FollowUpVisit
    from cases.models import Complaint

    case = Complaint.objects.get(department__code="SALES")
    case.status = "archived"
    case.save()
    client = client_for(make_user("clerk", "intake_clerk"))
    # the queue no longer offers the archived case
    assert client.get("/assessment/followups/").context["items"] == []
    # and a form posted anyway is refused with the reason
    response = client.post(f"/assessment/followups/{case.reference}/visit/", {"outcome": "completed", "rating": "5"})
    assert response.status_code == 302
    shown = list(get_messages(response.wsgi_request))
    assert [m.level_tag for m in shown] == ["error"]
    assert str(shown[0]) in ("The case is archived and read-only.", "该案件已归档，只读。")
    assert not FollowUpVisit.objects.exists()


def test_dashboard_breakdowns_are_charts_whose_bars_link_to_the_cases_counted(data):
    sales, _cs = data
    # given cases with and without a dispute type (only disputes have one)
    ComplaintFactory(department=sales, category="product", dispute_type="claims")
    client = client_for(make_user("sup", "supervisor"))
    page = client.get(f"/assessment/dashboard/?{Q}")
    charts = page.context["breakdown_data"]
    html = page.content.decode()
    # then: one chart per breakdown, with its data for the chart script
    assert set(charts) == {"backlog", "stage", "category", "channel", "dispute_type", "root_cause", "customer_flags"}
    assert html.count("data-breakdown=") == len([rows for rows in charts.values() if rows]) and 'id="kpi-breakdowns"' in html
    # no "—" entry for the cases without a dispute type
    assert [row["n"] for row in charts["dispute_type"]] == [1]
    assert "—" not in [row["label"] for row in charts["dispute_type"]]
    # each bar opens the drill-down of exactly the cases it counts
    for key in ("category", "channel", "dispute_type"):
        for row in charts[key]:
            assert client.get(row["url"]).context["count"] == row["n"], (key, row)
