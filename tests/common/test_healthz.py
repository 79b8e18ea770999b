from unittest import mock

import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    with mock.patch("complaints_portal.common.views._broker_ok", return_value=True):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


@pytest.mark.django_db
def test_healthz_is_503_with_a_log_line_when_the_database_is_down(client, caplog):
    broken = mock.MagicMock(side_effect=OperationalError("connection refused"))
    with mock.patch("complaints_portal.common.views.connection.cursor", broken), \
            mock.patch("complaints_portal.common.views._broker_ok", return_value=True):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False
    assert "database unavailable" in caplog.text


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client):
    with mock.patch("complaints_portal.common.views._broker_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_healthz_checks_the_configured_broker_for_real(client, settings):
    # No mock: the broker of this run (Redis in CI, the filesystem transport locally) answers.
    response = client.get("/healthz")
    assert response.json()["checks"]["broker"] is True
