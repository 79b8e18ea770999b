import pytest
from django.core.cache import cache

from cases.models import CalendarYear
from cases.public.messaging import LocmemSmsBackend

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A Windows executable renamed to .pdf: refused by content, whatever the name says.
DISGUISED = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


@pytest.fixture(autouse=True)
def public_channel(settings):
    """Fresh rate-limit counters, SMS into a list, and a calendar covering the deadlines."""
    cache.clear()
    LocmemSmsBackend.outbox.clear()
    settings.SMS_BACKEND = "cases.public.messaging.LocmemSmsBackend"
    # Assertions read the English texts; test_i18n checks the Chinese pages.
    settings.LANGUAGE_CODE = "en"
    yield
    cache.clear()


@pytest.fixture
def calendar(db):
    # Ordinary Monday–Friday weeks are enough here; the deadline rules are tested elsewhere.
    for year in (2025, 2026, 2027, 2028):
        CalendarYear.objects.get_or_create(year=year)


@pytest.fixture
def complaint_data():
    return {
        "customer_name": "王小明",
        "customer_phone": "138 0013 8000",
        "customer_email": "wang@example.cn",
        "category": "service",
        "dispute_type": "claims",
        "summary": "理赔款迟迟未到账",
        "description": "2026年10月提交理赔材料，至今未收到款项。",
        "expected_resolution": "尽快支付理赔款。",
        "consent": "on",
    }


@pytest.fixture
def submit(client, calendar, complaint_data):
    """POST the public form; keyword arguments override fields, `ip` sets the client address."""

    def _submit(ip="203.0.113.7", **overrides):
        data = {**complaint_data, **overrides}
        data = {k: v for k, v in data.items() if v is not None}
        return client.post("/public/complain/", data, REMOTE_ADDR=ip)

    return _submit
