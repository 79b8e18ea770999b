"""Fixtures for the HTML page tests: the demo organisation and a calendar covering the dates used."""
import pytest
from django.utils import timezone

from cases.demo import ensure_demo_org
from cases.models import CalendarYear, Complaint
from cases.services import case_create, case_transition


@pytest.fixture
def org(db):
    # No holidays recorded: Monday–Friday working days are enough for page tests.
    year = timezone.localdate().year
    for y in (year - 1, year, year + 1):
        CalendarYear.objects.get_or_create(year=y, defaults={"source": "test"})
    departments, users = ensure_demo_org()
    return {"departments": departments, "users": users}


@pytest.fixture
def users(org):
    return org["users"]


@pytest.fixture
def login(client, users):
    def _login(username):
        client.force_login(users[username])
        return client
    return _login


INTAKE = {
    "channel": "hotline",
    "category": "service",
    "summary": "Agent did not return calls",
    "description": "Called three times about a surrender, nobody called back.",
    "customer_name": "张三",
    "customer_phone": "13812345678",
    "policy_numbers": "P2026-0001",
}


@pytest.fixture
def make_case(users):
    """Register a case as the clerk through the intake service."""
    def _make(**overrides):
        return case_create(actor=users["clerk"], data={**INTAKE, **overrides})
    return _make


@pytest.fixture
def assigned_case(make_case, users):
    """A case the clerk acknowledged and dispatched to SALES."""
    case = make_case()
    case_transition(actor=users["clerk"], reference=case.reference, action="acknowledge", data={"method": "phone"})
    case_transition(actor=users["clerk"], reference=case.reference, action="assign", data={"department": "SALES"})
    return Complaint.objects.get(pk=case.pk)
