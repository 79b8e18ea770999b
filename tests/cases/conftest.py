"""Shared fixtures of the lifecycle tests (definitions live in tests/factories/cases.py)."""
import pytest

from tests.factories import cases as f


@pytest.fixture
def calendar(db):
    """The working-day calendar for 2025–2026 (chinesecalendar's State Council notices)."""
    f.calendar_seed()


@pytest.fixture
def people(calendar):
    """clerk, senior, supervisor and, for SALES and CS, an investigator and a head."""
    return {
        "clerk": f.clerk(), "senior": f.senior(), "supervisor": f.supervisor(),
        "inv_sales": f.investigator("SALES"), "head_sales": f.head("SALES"),
        "inv_cs": f.investigator("CS"), "head_cs": f.head("CS"),
    }
