"""A database outage while serving a request is a 503 with Retry-After, never a traceback."""
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.db.utils import OperationalError
from django.test import Client

# Import the views before patching: a module imported under a patch would keep the mock.
import cases.api.views  # noqa: F401,E402
import cases.views  # noqa: F401,E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client():
    user = User.objects.create_user("clerk_x", password="pw-Long-enough-1")
    user.groups.add(Group.objects.get(name="intake_clerk"))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_api_answers_503_json_when_the_database_goes_away(clerk_client, caplog):
    with mock.patch("cases.api.views.case_list_visible_to", side_effect=down):
        response = clerk_client.get("/api/v1/complaints/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
    assert "database unavailable" in caplog.text


def test_pages_answer_503_without_a_traceback(clerk_client):
    with mock.patch("cases.selectors.case_list_visible_to", side_effect=down):
        response = clerk_client.get("/cases/")
    body = response.content.decode()
    assert response.status_code == 503
    assert "Traceback" not in body and "OperationalError" not in body


def test_other_errors_stay_500_and_api_errors_keep_the_json_shape(clerk_client):
    with mock.patch("cases.api.views.case_list_visible_to", side_effect=RuntimeError("bug")):
        api = clerk_client.get("/api/v1/complaints/")
    with mock.patch("cases.selectors.case_list_visible_to", side_effect=RuntimeError("bug")):
        page = clerk_client.get("/cases/")
    assert api.status_code == 500 and api.json()["code"] == "server_error"
    assert page.status_code == 500 and "Traceback" not in page.content.decode()
