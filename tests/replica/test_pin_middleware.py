"""Reads right after the user's own write go to the primary: a successful write request pins the
browser to the primary for REPLICA_PIN_SECONDS (signed, time-stamped cookie)."""
import time

from django.core import signing
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints_portal.db_router import PIN_COOKIE, PIN_SALT
from tests.factories import cases as f
from tests.replica.conftest import REPLICA_DB

pytestmark = REPLICA_DB


def replica_queries(client, url):
    with CaptureQueriesContext(connections["replica"]) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def write(client):
    """A successful write request of the browser (the language choice: POST, answered 302)."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return response


def test_dashboard_reads_the_replica_when_the_user_wrote_nothing(replica_mirror, client):
    client.force_login(f.supervisor())
    assert replica_queries(client, reverse("dashboard")) > 0


def test_a_successful_write_pins_the_next_reads_to_the_primary(replica_mirror, client):
    # given
    client.force_login(f.supervisor())
    # when
    response = write(client)
    # then the cookie is signed and lives REPLICA_PIN_SECONDS
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 5 and cookie["httponly"]
    assert replica_queries(client, reverse("dashboard")) == 0
    assert replica_queries(client, reverse("case_list_export", args=["csv"])) == 0


def test_the_pin_expires_after_replica_pin_seconds(replica_mirror, client, monkeypatch):
    client.force_login(f.supervisor())
    # A pin signed six seconds ago (REPLICA_PIN_SECONDS is 5).
    six_seconds_ago = time.time() - 6
    monkeypatch.setattr(signing.time, "time", lambda: six_seconds_ago)
    client.cookies[PIN_COOKIE] = signing.get_cookie_signer(salt=PIN_COOKIE + PIN_SALT).sign("1")
    monkeypatch.undo()
    assert replica_queries(client, reverse("dashboard")) > 0


def test_a_forged_pin_is_ignored(replica_mirror, client):
    client.force_login(f.supervisor())
    client.cookies[PIN_COOKIE] = "1:forged:signature"
    assert replica_queries(client, reverse("dashboard")) > 0


def test_a_refused_write_does_not_pin(replica_mirror, client):
    client.force_login(f.clerk())
    response = client.post(reverse("assessment_targets"), {"period": "2026Q2"})
    assert response.status_code == 403
    assert PIN_COOKIE not in response.cookies


def test_a_streamed_export_reads_the_replica_while_it_streams(replica_mirror, client):
    # given a case, so that the export's row query has something to stream
    f.calendar_seed()
    case = f.ComplaintFactory()
    client.force_login(f.supervisor())
    # when
    with CaptureQueriesContext(connections["replica"]) as queries:
        response = client.get(reverse("case_list_export", args=["csv"]))
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    # then the rows came from the replica, after the view had returned
    assert case.reference in body
    assert any("cases_complaint" in q["sql"] for q in queries)
