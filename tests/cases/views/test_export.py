"""The all-cases list exported as CSV and XLSX: filters written in the file, visible cases only,
no personal data."""
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from cases.models import Department
from cases.services import case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_departments(make_case, users):
    sales = make_case(summary="Sales case")
    claims = make_case(summary="Claims case", category="product")
    for case, code in ((sales, "SALES"), (claims, "CLAIMS")):
        case_transition(actor=users["clerk"], reference=case.reference, action="assign", data={"department": code})
    return sales, claims


def csv_text(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_csv_export_writes_the_filters_and_only_the_matching_cases(login, two_departments):
    sales, claims = two_departments
    response = login("supervisor").get("/cases/export.csv", {"department": "CLAIMS"})
    text = csv_text(response)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"Department: {Department.objects.get(code='CLAIMS').name}" in text
    assert claims.reference in text and sales.reference not in text


def test_csv_export_has_a_bom_a_title_and_headers_and_values_in_the_readers_language(login, two_departments, users):
    client = login("supervisor")
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    raw = b"".join(client.get("/cases/export.csv").streaming_content).decode("utf-8")
    with translation.override("zh-hans"):
        title, reference, exported_by = (translation.gettext(t) for t in ("Case list", "Reference", "Exported by"))
    assert raw.startswith(f"\ufeff{title}\n")
    lines = raw[1:].splitlines()
    assert f"{exported_by},{users['supervisor'].get_full_name() or 'supervisor'}" in lines
    assert any(line.startswith(f"{reference},") for line in lines)
    assert "reference" not in raw and "CLAIMS" not in raw  # departments by their name, not their code


def test_export_never_contains_personal_data(login, two_departments):
    text = csv_text(login("clerk").get("/cases/export.csv"))
    assert "13812345678" not in text and "张三" not in text
    assert two_departments[0].reference in text


def test_an_investigator_exports_only_their_department(login, two_departments):
    sales, claims = two_departments
    text = csv_text(login("inv_sales").get("/cases/export.csv"))
    assert sales.reference in text and claims.reference not in text


def test_xlsx_export_has_the_preamble_and_one_row_per_case(login, two_departments):
    response = login("supervisor").get("/cases/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(next(r for r in rows if r and r[0] == "Reference"))
    assert rows[0][0] == "Case list" and rows[2][0] == "Filters"
    assert [r[0] for r in rows[3:5]] == ["Exported by", "Exported at"]
    assert sorted(r[0] for r in rows[header + 1:]) == sorted(c.reference for c in two_departments)


def test_unknown_export_format_is_404(login, two_departments):
    assert login("supervisor").get("/cases/export.pdf").status_code == 404
