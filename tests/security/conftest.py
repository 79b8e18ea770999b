"""Fixtures of the security tests (the lifecycle fixtures live in tests/cases/conftest.py)."""
import pytest

from tests.factories import cases as f


@pytest.fixture
def calendar(db):
    """The working-day calendar for 2025–2026 (chinesecalendar's State Council notices)."""
    f.calendar_seed()
