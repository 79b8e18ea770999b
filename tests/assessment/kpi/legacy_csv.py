"""Shared by the legacy-import tests: the CSV header of SPEC §9 and the set-up every such test
needs (the department CS and the calendar years the due dates fall in)."""
import pytest

from cases.models import CalendarYear
from tests.factories.assessment import DepartmentFactory

HEADER = (
    "reference,received_at,channel,category,department,complaint_type,tier,notified_at,withdrawn_at,"
    "closed_at,revisit_at,revisit_outcome,revisit_rating,customer_name,customer_phone,policy_number,summary\n"
)


@pytest.fixture
def legacy_setting():
    DepartmentFactory(code="CS", name="CS")
    for year in (2025, 2026, 2027):
        CalendarYear.objects.create(year=year)
