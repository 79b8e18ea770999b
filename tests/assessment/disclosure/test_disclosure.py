"""Annual disclosure and benchmark (SPEC §13): the CSV contract, redress by kind, the industry
medians with history, the page and its exports."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessment.disclosure import figures
from assessment.disclosure.models import IndustryMedian
from cases.models import Decision
from cases.models.case import Category, Channel, DisputeType
from cases.services import case_transition
from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from tests.factories import assessment as af
from tests.factories import cases as f

pytestmark = pytest.mark.django_db


def report(year):
    out = io.StringIO()
    call_command("disclosure_report", str(year), stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


@pytest.fixture
def cases_2025(db):
    sales = af.DepartmentFactory(code="SALES", name="Sales")
    claims = af.DepartmentFactory(code="CLAIMS", name="Claims")
    af.DepartmentFactory(code="IDLE", name="No complaints")
    made = [
        af.ComplaintFactory(received_at=af.local_dt("2025-03-01"), channel="regulator", category="product",
                            dispute_type="claims", product_line="Term life", department=sales),
        af.ComplaintFactory(received_at=af.local_dt("2025-06-01"), channel="hotline", category="service",
                            dispute_type="claims", product_line="Term life", department=claims),
        af.ComplaintFactory(received_at=af.local_dt("2025-12-31", 23, 30), channel="online", category="service",
                            department=None),  # no dispute type, no product line, not dispatched
    ]
    # not counted: feedback only, merged into another case, received in another year
    af.ComplaintFactory(received_at=af.local_dt("2025-04-01"), complaint_type="feedback", department=sales)
    af.ComplaintFactory(received_at=af.local_dt("2025-04-02"), merged_into=made[0], department=sales)
    af.ComplaintFactory(received_at=af.local_dt("2026-01-01", 0, 30), product_line="Annuity", department=sales)
    return made


def test_disclosure_report_prints_every_key_zeros_included_then_the_total(cases_2025):
    rows = report(2025)
    assert rows[0] == ["dimension", "key", "complaints"]
    assert rows[-1] == ["total", "ALL", "3"]
    body = rows[1:-1]
    assert len({(dimension, key) for dimension, key, _n in body}) == len(body)  # each key once
    by_dimension = {}
    for dimension, key, n in body:
        by_dimension.setdefault(dimension, {})[key] = int(n)
    assert list(by_dimension) == ["channel", "category", "dispute_type", "product_line", "department"]
    assert list(by_dimension["channel"]) == list(Channel.values)
    assert list(by_dimension["category"]) == list(Category.values)
    assert list(by_dimension["dispute_type"]) == [*DisputeType.values, "unknown"]
    # product lines: every value the cases have (another year's included, with zero), then unknown
    assert by_dimension["product_line"] == {"Annuity": 0, "Term life": 2, "unknown": 1}
    assert by_dimension["department"] == {"CLAIMS": 1, "IDLE": 0, "SALES": 1, "unknown": 1}
    assert by_dimension["channel"]["regulator"] == 1 and by_dimension["channel"]["letter"] == 0
    assert by_dimension["dispute_type"]["claims"] == 2 and by_dimension["dispute_type"]["unknown"] == 1
    assert all(sum(keys.values()) == 3 for keys in by_dimension.values())


def test_disclosure_report_refuses_what_is_not_a_year(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("disclosure_report", "2025Q1")


@pytest.fixture
def calendar(db):
    f.calendar_seed()


def test_decision_records_the_redress_kind_and_amount(calendar):
    case = f.ComplaintFactory(plan_approved=True)
    people = f.actors("SALES")
    with pytest.raises(ValidationFailed):
        case_transition(actor=people["clerk"], reference=case.reference, action="notify_decision",
                        data={"method": "phone", "decision": "We pay.", "redress_amount": "1200.50"})
    case_transition(actor=people["clerk"], reference=case.reference, action="notify_decision",
                    data={"method": "phone", "decision": "We pay.", "redress_kind": "concession",
                          "redress_amount": "1200.50"})
    decision = Decision.objects.get(case=case)
    assert (decision.redress_kind, decision.redress_amount) == ("concession", Decimal("1200.50"))
    year = decision.notified_at.year
    by_kind = {kind: (n, total) for kind, _label, n, total in figures.redress_by_kind(year)}
    assert by_kind["concession"] == (1, Decimal("1200.50"))
    assert by_kind["negotiated_surrender"] == (0, None)
    assert list(by_kind) == ["standard", "concession", "negotiated_surrender", "other"]


def test_industry_medians_are_entered_by_supervisors_with_history(db):
    sup = f.supervisor()
    with pytest.raises(PermissionDenied):
        figures.median_record(actor=f.senior(), year=2025, metric="per_10k_policies", value="1.5")
    figures.median_record(actor=sup, year=2025, metric="per_10k_policies", value="1.5", source="NFRA 2025")
    figures.median_record(actor=sup, year=2025, metric="per_10k_policies", value="1.4")
    median = IndustryMedian.objects.get(period="2025", metric="per_10k_policies")
    assert median.value == Decimal("1.4")
    assert [h.value for h in median.history.order_by("history_date")] == [Decimal("1.5"), Decimal("1.4")]
    with pytest.raises(ValidationFailed):
        figures.median_record(actor=sup, year=2025, metric="per_10k_policies", value="many")


def test_benchmark_deviation_is_the_company_minus_the_median():
    bench = figures.Benchmark("regulator_share", "share", Decimal("33.33"), Decimal("25"))
    assert (bench.deviation, bench.deviation_percent) == (Decimal("8.33"), Decimal("33.3"))
    assert figures.Benchmark("x", "x", None, Decimal("1")).deviation is None


def test_page_shows_the_figures_and_exports_xlsx_and_a_pdf_with_the_font_embedded(client, cases_2025):
    sup = f.supervisor()
    figures.median_record(actor=sup, year=2025, metric="regulator_share", value="25")
    client.force_login(sup)
    page = client.get(reverse("disclosure"), {"year": 2025}).content.decode()
    assert "33.33" in page and "8.33" in page  # 1 referral of 3; the deviation from 25
    assert 'id="disclosure-charts"' in page
    xlsx = client.get(reverse("disclosure"), {"year": 2025, "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("disclosure"), {"year": 2025, "format": "pdf"}).content
    assert pdf[:4] == b"%PDF"
    assert b"FontFile2" in pdf  # the TrueType font travels inside the file
    response = client.post(reverse("disclosure_medians"), {"year": 2025, "per_10k_insured": "0.8"})
    assert response.status_code == 302
    assert IndustryMedian.objects.filter(period="2025", metric="per_10k_insured").exists()


def test_page_is_refused_to_clerks(client, db):
    client.force_login(f.clerk())
    assert client.get(reverse("disclosure")).status_code == 403
