"""Prometheus metrics at /metrics: access control, request metrics and the scrape-time gauges."""
import datetime
import ipaddress
from unittest import mock

import pytest
import redis
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cases.models import Complaint
from cases.models.case import Status
from complaints_portal.common import metrics
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

TOKEN = "t0ken-" + "x" * 40


@pytest.fixture
def configured(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return settings


def scrape(client, token=TOKEN, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", **headers, **extra)


def samples(response):
    """{(name, frozenset(labels)): value} of a scrape."""
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(response, name, **labels):
    return samples(response).get((name, frozenset(labels.items())))


# -- access -----------------------------------------------------------------------------------

def test_metrics_are_not_found_when_neither_token_nor_addresses_are_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert scrape(client).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_a_missing_or_wrong_bearer_token_is_refused_with_a_code(client, configured, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 403
    assert response.json()["code"] == "metrics_token_invalid"


def test_the_right_bearer_token_reads_the_metrics(client, configured):
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_address_outside_the_allowed_networks_is_refused(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_address_refused"


def test_with_token_and_networks_both_must_pass(client, configured):
    configured.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    assert scrape(client, REMOTE_ADDR="10.0.0.5").status_code == 200
    assert scrape(client, REMOTE_ADDR="192.0.2.1").status_code == 403
    assert scrape(client, token="nope", REMOTE_ADDR="10.0.0.5").status_code == 403


def test_only_get_is_allowed(client, configured):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_a_malformed_allowed_ips_value_stops_start_up(monkeypatch):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.local",
           "METRICS_ALLOWED_IPS": "10.0.0.0/8,not-an-ip"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode != 0
    assert "METRICS_ALLOWED_IPS has an invalid address or network: 'not-an-ip'" in result.stderr


# -- request metrics ------------------------------------------------------------------------------

def test_requests_are_counted_by_view_name_and_status_with_their_latency(client, configured):
    before = scrape(client)
    count_before = value(before, "portal_http_requests_total", method="GET", view="healthz", status="200") or 0
    latency_before = value(before, "portal_http_request_duration_seconds_count", method="GET", view="healthz") or 0
    with mock.patch("complaints_portal.common.views._broker_ok", return_value=True):
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    client.get("/no-such-page/")

    after = scrape(client)
    assert value(after, "portal_http_requests_total", method="GET", view="healthz", status="200") == count_before + 3
    assert value(after, "portal_http_request_duration_seconds_count", method="GET", view="healthz") == latency_before + 3
    # unmatched paths share one label: no path (or reference number) ever becomes a label value
    assert value(after, "portal_http_requests_total", method="GET", view="unmatched", status="404") >= 1
    assert "/no-such-page/" not in after.content.decode()


# -- scrape-time gauges -----------------------------------------------------------------------------

def test_health_gauges_follow_the_dependencies(client, configured):
    with mock.patch("complaints_portal.common.metrics._broker_ok", return_value=True):
        response = scrape(client)
    assert value(response, "portal_health_up", check="database") == 1
    assert value(response, "portal_health_up", check="broker") == 1
    assert value(response, "portal_health_up", check="replica") is None  # no replica configured

    with mock.patch("complaints_portal.common.metrics._broker_ok", return_value=False), \
            mock.patch("complaints_portal.common.metrics._database_ok", return_value=False):
        response = scrape(client)
    assert response.status_code == 200  # the scrape itself still answers
    assert value(response, "portal_health_up", check="database") == 0
    assert value(response, "portal_health_up", check="broker") == 0


def test_overdue_open_cases_are_counted_per_department(client, configured):
    f.calendar_seed()
    # given two overdue open cases of SALES, one of CS, one not yet due, one closed and overdue
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    overdue = {"next_due": yesterday, "clock_start": yesterday - datetime.timedelta(days=10)}
    for dept in ("SALES", "SALES", "CS"):
        case = f.ComplaintFactory(investigating=True, department=dept)
        Complaint.objects.filter(pk=case.pk).update(**overdue)
    f.ComplaintFactory(investigating=True, department="CS")
    closed = f.ComplaintFactory(closed=True, department="CS")
    Complaint.objects.filter(pk=closed.pk).update(**overdue)
    assert Complaint.objects.get(pk=closed.pk).status == Status.CLOSED

    response = scrape(client)

    assert value(response, "portal_overdue_open_cases", department="SALES") == 2
    assert value(response, "portal_overdue_open_cases", department="CS") == 1


def test_a_failing_figure_is_left_out_and_the_rest_of_the_scrape_still_answers(client, configured, caplog):
    with mock.patch("cases.metrics.overdue_open_cases", side_effect=RuntimeError("boom")):
        response = scrape(client)
    assert response.status_code == 200
    assert "portal_overdue_open_cases" not in response.content.decode()
    assert value(response, "portal_health_up", check="database") == 1
    assert "OverdueCasesCollector failed" in caplog.text


def test_queue_lengths_are_read_from_redis_with_every_priority_list(client, configured, settings):
    # given a Redis broker (a database of its own for this test) with messages waiting
    url = "redis://127.0.0.1:6379/14"
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    server.flushdb()
    settings.CELERY_BROKER_URL = url
    settings.CELERY_QUEUE_NAMES = ["deadlines", "notifications", "celery"]
    server.rpush("deadlines", "a", "b", "c")
    server.rpush("notifications", "a")
    server.rpush("notifications\x06\x166", "high")  # kombu's list for priority step 6
    try:
        with mock.patch("complaints_portal.common.metrics._broker_ok", return_value=True):
            response = scrape(client)
    finally:
        server.flushdb()

    assert value(response, "portal_celery_queue_length", queue="deadlines") == 3
    assert value(response, "portal_celery_queue_length", queue="notifications") == 2
    assert value(response, "portal_celery_queue_length", queue="celery") == 0


def test_without_the_queue_setting_only_the_default_queue_is_reported(settings):
    del settings.CELERY_QUEUE_NAMES
    assert metrics.queue_names() == ["celery"]


def test_queue_lengths_on_the_filesystem_broker_count_message_files(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    settings.CELERY_QUEUE_NAMES = ["deadlines", "celery"]
    for i in range(2):
        (tmp_path / f"1700000000{i}_uuid{i}.deadlines.msg").write_text("{}")
    (tmp_path / "17000000009_uuid.celery.msg").write_text("{}")
    (tmp_path / "unrelated.txt").write_text("")
    assert metrics.queue_lengths() == {"deadlines": 2, "celery": 1}


@pytest.fixture
def with_replica():
    with mock.patch("complaints_portal.common.metrics.replica_configured", return_value=True):
        yield


def test_replica_lag_is_reported_when_a_replica_is_configured(client, configured, with_replica):
    with mock.patch("complaints_portal.common.metrics.replica_lag_seconds", return_value=2.5):
        response = scrape(client)
    assert value(response, "portal_replica_lag_seconds") == 2.5
    assert value(response, "portal_health_up", check="replica") == 1

    with mock.patch("complaints_portal.common.metrics.replica_lag_seconds", return_value=None):
        response = scrape(client)
    assert value(response, "portal_replica_lag_seconds") is None
    assert value(response, "portal_health_up", check="replica") == 0


@pytest.mark.postgres
def test_replica_lag_query_is_zero_on_a_server_that_is_not_in_recovery():
    from django.conf import settings

    assert metrics.replica_configured() == ("replica" in settings.DATABASES)
    # The primary answers the same SQL as a standby; not being in recovery means no lag.
    assert metrics.replica_lag_seconds("default") == 0.0
