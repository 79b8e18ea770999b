"""Hostile input from an authenticated user gets a 4xx in the error format, never a 500:
control characters in a path or query, JSON nested too deeply, a body over the size limit,
and dates far outside any data (SPEC §3: every bad input gets a clear error)."""
import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Complaint
from tests.factories import cases as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(calendar):
    client = Client(raise_request_exception=False)
    client.force_login(f.supervisor())
    return client


@pytest.fixture
def clerk_api(calendar):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(f.clerk())
    return client


@pytest.mark.parametrize("path", [
    "/api/v1/complaints/%00/",
    "/api/v1/complaints/%00/history/",
    "/api/v1/complaints/TS-2026-000001/attachments/%00/",
    "/api/v1/complaints/?department=%00",
])
def test_a_nul_byte_in_an_api_path_or_query_is_a_400_in_the_error_format(clerk_api, path):
    response = clerk_api.get(path)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert set(response.json()) == {"message", "code", "extra"}


@pytest.mark.parametrize("path", [
    "/cases/%00/",
    "/cases/TS-2026-000001%00/attachments/1/",
    "/assessment/followups/%00/attempt/",
    "/cases/?q=%00",
])
def test_a_nul_byte_in_a_page_path_is_a_400_page(supervisor, path):
    response = supervisor.get(path)

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]


def test_json_nested_ten_thousand_deep_is_a_400(clerk_api):
    body = "[" * 10_000 + "]" * 10_000

    response = clerk_api.post("/api/v1/complaints/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Complaint.objects.exists()


def test_a_body_over_the_size_limit_is_a_413_in_the_error_format(clerk_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**f.INTAKE, "description": "x" * 5000})

    response = clerk_api.post("/api/v1/complaints/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("url", [
    "/assessment/dashboard/?period=9999Q4",
    "/assessment/dashboard/?as_of=9999-12-31",
    "/assessment/dashboard/?as_of=0001-01-01",
    "/assessment/dashboard/cases/?period=9999Q4&figure=complaints",
    "/assessment/dashboard/export.csv?period=9999Q4",
    "/assessment/dashboard/export.xlsx?as_of=9999-12-31",
    "/assessment/supervision/reports/?month=9999-12",
    "/assessment/supervision/reports/export.xlsx?month=9999-12",
    "/assessment/supervision/regulator/?period=9999Q4",
    "/assessment/supervision/recurring/?period=9999Q4",
    "/assessment/results/?quarter=9999Q4",
    "/assessment/results/employees/?quarter=9999Q4",
    "/assessment/results/employees/export.csv?quarter=9999Q4",
    "/assessment/results/promotion/?year=9999",
    "/assessment/results/promotion/export.csv?year=9999",
    "/assessment/results/training/?period=9999Q4",
])
def test_a_period_or_date_far_outside_any_data_is_refused_not_a_500(supervisor, url):
    response = supervisor.get(url)

    assert 400 <= response.status_code < 500, (url, response.status_code)
