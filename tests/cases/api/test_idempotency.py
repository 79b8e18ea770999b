"""A registration sent twice makes one case (SPEC §3): POST /api/v1/complaints/ honours an
Idempotency-Key header, the same key within 24 hours returning the first answer."""
import datetime
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Complaint, SubmissionKey
from cases.services.submissions import submission_keys_purge
from tests.cases.api.test_complaints_api import BODY, URL, client_for

pytestmark = pytest.mark.django_db


def post(user, body=BODY, key="3f1c2a9e-retry-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client_for(user).post(URL, body, format="json", **headers)


def test_the_same_key_and_body_register_one_case_and_answer_it_again(people):
    # when the request is retried with its key
    first = post(people["clerk"])
    second = post(people["clerk"])
    # then one case, and the retry answers with it
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Complaint.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(people):
    post(people["clerk"])
    response = post(people["clerk"], {**BODY, "summary": "Another complaint"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_without_a_key_each_request_registers_a_case(people):
    post(people["clerk"], key=None)
    post(people["clerk"], key=None)
    assert Complaint.objects.count() == 2


def test_keys_are_per_client(people):
    from tests.factories import cases as f

    post(people["clerk"])
    post(f.clerk("clerk2"))
    assert Complaint.objects.count() == 2


def test_a_key_older_than_24_hours_registers_a_new_case(people):
    post(people["clerk"])
    SubmissionKey.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = post(people["clerk"])
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Complaint.objects.count() == 2 and SubmissionKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "key with spaces", "ключ"])
def test_a_malformed_key_is_a_400(people, key):
    response = post(people["clerk"], key=key)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
    assert not Complaint.objects.exists()


def test_expired_keys_are_purged(people):
    post(people["clerk"])
    assert submission_keys_purge() == 0
    assert submission_keys_purge(now=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)) == 1
    assert Complaint.objects.count() == 1


def test_the_schema_documents_the_header(people):
    schema = client_for(people["clerk"]).get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/complaints/"]["post"]
    header = [p for p in create["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in header] == ["Idempotency-Key"] and not header[0].get("required", False)
    assert "422" in create["responses"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_requests_with_one_key_register_one_case(people):
    # given two workers receiving the same request at the same moment
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def send():
        try:
            client = APIClient()
            client.force_authenticate(people["clerk"])
            barrier.wait()
            answers.append(client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="same-moment"))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert errors == []
    assert [a.status_code for a in answers] == [201, 201]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert Complaint.objects.count() == 1
