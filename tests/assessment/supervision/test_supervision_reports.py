"""Monthly department reports, the regulator report, the audit page and the supervision pages."""
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessment.kpi import drilldown, selectors
from assessment.kpi.periods import period_parse
from assessment.models import Target
from assessment.supervision import reports as sv_reports
from assessment.supervision.models import MonthlyReport
from assessment.supervision.reports_pdf import report_pdf
from cases.models import Decision
from tests.factories import assessment as af
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

MARCH = sv_reports.month_parse("2026-03")


@pytest.fixture
def calendar(db):
    f.calendar_seed()


@pytest.fixture
def march_data(calendar):
    """SALES in March 2026: 2 decided on time, 1 late, 1 open past due, 1 regulator referral;
    a closed at-fault case; satisfied and unsatisfied visits; CS has one case; February has one."""
    sales = af.DepartmentFactory(code="SALES", name="Sales")
    cs = af.DepartmentFactory(code="CS", name="Service")
    mk = af.ComplaintFactory
    on_time = [mk(received_at=af.local_dt("2026-03-02"), due_overall=datetime.date(2026, 3, 20),
                  notified=af.local_dt("2026-03-10"), department=sales) for _ in range(2)]
    late = mk(received_at=af.local_dt("2026-03-03"), due_overall=datetime.date(2026, 3, 10),
              notified=af.local_dt("2026-03-16"), department=sales, channel="regulator")
    mk(received_at=af.local_dt("2026-03-04"), due_overall=datetime.date(2026, 3, 20), department=sales)
    closed = on_time[0]
    closed.status, closed.closed_at, closed.at_fault, closed.root_cause = (
        "closed", af.local_dt("2026-03-12"), True, "communication")
    closed.save()
    af.FollowUpVisitFactory(case=on_time[0], rating=5, visited_at=af.local_dt("2026-03-20"))
    af.FollowUpVisitFactory(case=late, rating=2, visited_at=af.local_dt("2026-03-25"))
    mk(received_at=af.local_dt("2026-03-05"), department=cs)
    mk(received_at=af.local_dt("2026-02-05"), due_overall=datetime.date(2026, 2, 20), department=sales)
    user = f.clerk()
    Decision.objects.create(case=late, method="phone", text="x", notified_by=user, notified_at=af.local_dt("2026-03-16"))
    return sales, cs


def test_month_figures_equal_the_kpi_selectors(march_data):
    sales, _cs = march_data
    figures = sv_reports.month_figures(sales, MARCH)
    row = selectors.kpi_table(MARCH, MARCH.end, departments=[sales]).rows[0]
    assert figures["received"] == row.complaints == 4
    assert figures["regulator"] == row.regulator_complaints == 1
    assert figures["on_time"] == row.on_time == 2
    assert figures["overdue"] == row.late == 2
    assert figures["pending"] == row.pending == 0
    assert figures["revisited"] == row.revisited == 2 and figures["satisfied"] == row.satisfied == 1
    assert figures["satisfaction_rate"] == "50.00"
    assert figures["timeliness_rate"] == "50.00"
    assert figures["closed"] == 1 and figures["in_progress"] == 3
    assert figures["decisions"] == 1
    assert figures["top_causes"] == [["communication", 1]]
    assert figures["top_causes"] == [list(x) for x in drilldown.volume_by(MARCH, MARCH.end, "root_cause", [sales])]
    # The drill-down returns exactly the cases behind the figure.
    assert drilldown.kpi_cases(MARCH, "complaints", sales, as_of=MARCH.end).count() == figures["received"]


def test_month_period_attributes_no_quarterly_volume(march_data):
    sales, _ = march_data
    af.PolicyVolumeFactory(period="2026Q1", department=sales)
    assert selectors.kpi_table(MARCH, MARCH.end, departments=[sales]).rows[0].new_policies is None


def test_generated_report_stores_figures_and_last_month(march_data):
    sales, cs = march_data
    reports = sv_reports.monthly_report_generate(MARCH)
    report = MonthlyReport.objects.get(department=sales, month=datetime.date(2026, 3, 1))
    assert {r.department.code for r in reports} == {"SALES", "CS"}
    assert report.figures["received"] == 4 and report.figures["previous"]["received"] == 1
    assert report.figures == {**sv_reports.month_figures(sales, MARCH), "previous": sv_reports.month_figures(sales, sv_reports.month_parse("2026-02"))}


def test_job_runs_only_on_the_first_working_day_and_only_once(march_data):
    # 2026-04-01 is a Wednesday and a working day; 2026-04-02 is not the first.
    assert sv_reports.monthly_reports_due(today=datetime.date(2026, 4, 2)) == 0
    assert sv_reports.monthly_reports_due(today=datetime.date(2026, 4, 1)) == 2
    assert sv_reports.monthly_reports_due(today=datetime.date(2026, 4, 1)) == 0
    assert MonthlyReport.objects.filter(month=datetime.date(2026, 3, 1)).count() == 2


def test_first_working_day_follows_the_holiday_calendar(calendar):
    # October 2026 starts with the National Day holiday (1-7 October).
    assert not sv_reports.is_first_working_day_of_month(datetime.date(2026, 10, 1))
    assert sv_reports.is_first_working_day_of_month(datetime.date(2026, 10, 8)) or sv_reports.is_first_working_day_of_month(
        datetime.date(2026, 10, 9))


def test_pdf_renders_chinese_and_xlsx_has_one_sheet_per_department(march_data):
    from django.utils import translation

    sv_reports.monthly_report_generate(MARCH)
    reports = list(MonthlyReport.objects.order_by("department__code"))
    with translation.override("zh-hans"):
        pdf = report_pdf(reports[0])
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf  # the Chinese font travels inside the file
    from assessment.supervision.reports_pdf import reports_xlsx

    workbook = load_workbook(io.BytesIO(reports_xlsx(reports)))
    assert workbook.sheetnames == ["CS", "SALES"]
    values = [row[1] for row in workbook["SALES"].iter_rows(values_only=True)]
    assert 4 in values


def test_pdf_draws_the_pages_charts_from_the_same_figures(march_data):
    from django.utils import translation
    from pypdf import PdfReader

    from assessment.supervision.reports_pdf import chart_data

    sv_reports.monthly_report_generate(MARCH)
    report = MonthlyReport.objects.get(department__code="SALES")
    charts = chart_data(report)
    figures = report.figures
    assert charts["rates"]["this"][0] == float(figures["timeliness_rate"])
    with translation.override("en"):
        assert chart_data(report)["causes"] == {"labels": ["Poor communication"], "n": [1]}
        text = PdfReader(io.BytesIO(report_pdf(report))).pages[0].extract_text()
    # The rates chart (its heading, legend and axis labels) and the causes chart are drawn.
    assert "Rates, this month and last month" in text
    assert text.count("On-time rate (%)") >= 2  # the table's row and the chart's axis label
    assert text.count("Last month") >= 2  # the table's header and the chart's legend
    assert "Poor communication" in text


def test_chart_data_leaves_a_rate_without_cases_without_a_bar(march_data):
    from assessment.supervision.reports_pdf import chart_data

    sv_reports.monthly_report_generate(MARCH)
    report = MonthlyReport.objects.get(department__code="CS")
    assert report.figures["satisfaction_rate"] == ""
    assert chart_data(report)["rates"]["this"][1] is None
    report_pdf(report)  # a chart with a missing bar still renders


def test_regulator_report_counts_only_regulator_cases(march_data):
    report = sv_reports.regulator_report(period_parse("2026Q1"))
    assert report["total"]["received"] == 1 and report["total"]["late"] == 1 and report["total"]["decisions"] == 1
    assert report["total"]["rate"] == "0.00"


# -- pages -------------------------------------------------------------------------------------

def test_supervisor_sees_all_departments_side_by_side_and_downloads(client, march_data):
    sv_reports.monthly_report_generate(MARCH)
    client.force_login(f.supervisor())
    response = client.get(reverse("supervision_monthly"), {"month": "2026-03"})
    assert response.status_code == 200
    assert [r.department.code for r in response.context["reports"]] == ["CS", "SALES"]
    assert [c["department"] for c in response.context["charts"]] == ["Service", "Sales"]
    assert b'id="monthly-charts"' in response.content and b"data-monthly-rates" in response.content
    pk = MonthlyReport.objects.get(department__code="SALES").pk
    pdf = client.get(reverse("supervision_monthly_pdf", args=[pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = client.get(reverse("supervision_monthly_xlsx"), {"month": "2026-03"})
    assert xlsx.status_code == 200


def test_head_sees_only_their_department_report(client, march_data):
    sv_reports.monthly_report_generate(MARCH)
    head = f.head("SALES")
    client.force_login(head)
    response = client.get(reverse("supervision_monthly"), {"month": "2026-03"})
    assert [r.department.code for r in response.context["reports"]] == ["SALES"]
    other = MonthlyReport.objects.get(department__code="CS").pk
    assert client.get(reverse("supervision_monthly_pdf", args=[other])).status_code == 404


def test_investigator_may_not_see_supervision(client, calendar):
    client.force_login(f.investigator("SALES"))
    assert client.get(reverse("supervision")).status_code == 403


@pytest.mark.parametrize("name", ["supervision", "supervision_spot_checks", "supervision_rectifications",
                                  "supervision_corrective", "supervision_recurring", "supervision_regulator",
                                  "supervision_audit", "supervision_monthly"])
def test_supervision_pages_render_for_the_supervisor(client, march_data, name):
    client.force_login(f.supervisor())
    assert client.get(reverse(name)).status_code == 200


def test_spot_check_end_to_end_through_the_pages(client, calendar):
    # given closed SALES cases in 2026Q2 and a head
    head = f.head("SALES")
    sales = af.DepartmentFactory(code="SALES")
    for _ in range(3):
        at = af.local_dt("2026-05-06")
        af.ComplaintFactory(status="closed", notified_at=at, first_notified_at=at, closed_at=at, department=sales)
    sup = f.supervisor()
    client.force_login(sup)
    # when the supervisor draws 5 (more than exist)
    response = client.post(reverse("supervision_spot_checks"),
                           {"period": "2026Q2", "department": "SALES", "size": "5", "seed": "q2"}, follow=True)
    check = response.context["check"]
    assert check.took_all and check.drawn_count == 3
    # a second draw is refused on the page
    response = client.post(reverse("supervision_spot_checks"),
                           {"period": "2026Q2", "department": "SALES", "size": "2"}, follow=True)
    assert "spot_check" not in response.context or response.context.get("check") is None
    assert check.__class__.objects.count() == 1
    # the supervisor reviews one item, failing "record complete"
    item = check.items.first()
    data = {"record_complete": "fail", "record_complete_note": "No call log", "investigation_truthful": "pass",
            "handling_fair": "pass", "feedback_timely": "pass"}
    client.post(reverse("supervision_spot_check_review", args=[check.pk, item.pk]), data)
    item.refresh_from_db()
    assert item.result == "failed"
    # the head closes the rectification only with a note
    client.force_login(head)
    rect = item.rectifications.get()
    client.post(reverse("supervision_rectification_close", args=[rect.pk]), {"note": ""})
    rect.refresh_from_db()
    assert rect.status == "open"
    client.post(reverse("supervision_rectification_close", args=[rect.pk]), {"note": "Call log restored"})
    rect.refresh_from_db()
    assert rect.status == "closed"


def test_head_may_not_draw_or_review(client, calendar):
    client.force_login(f.head("SALES"))
    assert client.post(reverse("supervision_spot_checks"), {"department": "SALES", "size": "1"}).status_code == 403


def test_config_audit_names_related_objects_people_and_choices_as_users_read_them(calendar):
    from cases.models import StageRule
    from cases.models.flags import CustomerFlag

    sup = f.supervisor()
    sup.first_name, sup.last_name = "强", "李"
    sup.save()
    sales = af.DepartmentFactory(code="SALES", name="销售部")
    claims = af.DepartmentFactory(code="CLAIMS", name="核保理赔部")
    target = Target(period="2026Q2", department=sales, on_time_rate=90)
    target._history_user = sup
    target.save()
    target.department = claims
    target._history_user = sup
    target.save()
    entry = next(e for e in sv_reports.config_audit() if e["model"] == "target")
    assert entry["who"] == sup.get_full_name()
    with translation.override("en"):
        entry = next(e for e in sv_reports.config_audit() if e["model"] == "target")
    assert ("Department", str(sales), str(claims)) in entry["shown"]
    rule = StageRule.objects.filter(customer_flag="").first()
    rule.customer_flag = CustomerFlag.ELDERLY
    rule._history_user = sup
    rule.save()
    with translation.override("en"):
        entry = next(e for e in sv_reports.config_audit() if e["model"] == "stagerule")
    assert ("Customer flag", None, str(CustomerFlag.ELDERLY.label)) in entry["shown"]


def test_config_audit_shows_who_changed_a_target_old_to_new(client, calendar):
    sup = f.supervisor()
    sales = af.DepartmentFactory(code="SALES")
    target = Target(period="2026Q2", department=sales, on_time_rate=90)
    target._history_user = sup
    target.save()
    target.on_time_rate = 95
    target._history_user = sup
    target.save()
    entries = [e for e in sv_reports.config_audit() if e["model"] == "target"]
    assert entries[0]["user"] == sup
    assert ("on_time_rate", 90, 95) in [(c[0], int(c[1]), int(c[2])) for c in entries[0]["changes"]]
    client.force_login(sup)
    with translation.override("en"):
        page = client.get(reverse("supervision_audit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "On-time rate" in page and "on_time_rate" not in page  # the field's name as users read it
    client.force_login(f.head("SALES"))
    assert client.get(reverse("supervision_audit")).status_code == 403


def test_monthly_page_shows_every_figure_with_last_months_and_a_dash_for_none(client, march_data):
    # given a stored report whose rates are missing in one month (no case decided) but not the other
    sv_reports.monthly_report_generate(MARCH)
    report = MonthlyReport.objects.get(department__code="SALES")
    report.figures["timeliness_rate"], report.figures["previous"]["timeliness_rate"] = "50.00", ""
    report.figures["satisfaction_rate"], report.figures["previous"]["satisfaction_rate"] = "", "80.00"
    report.save()
    client.force_login(f.supervisor())
    html = client.get(reverse("supervision_monthly"), {"month": "2026-03"}).content.decode()
    # then: no empty brackets, and last month's satisfaction is there although this month has none
    assert "()" not in html
    assert '50.00 <span class="small text-muted" title="Last month">(—)</span>' in html
    assert '— <span class="small text-muted" title="Last month">(80.00)</span>' in html
