"""Floods are refused with a clear 429 page, counted per IP and per phone number."""
import pytest

from cases.models import Complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.PUBLIC_RATE_LIMITS = {
        "complaint_ip": (3, 3600), "complaint_phone": (2, 86400),
        "status_ip": (3, 3600), "status_failures_ip": (2, 86400),
    }


def test_complaints_from_one_ip_are_limited(submit, tight_limits):
    phones = ["13800138001", "13800138002", "13800138003", "13800138004"]
    responses = [submit(customer_phone=p) for p in phones]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    refused = responses[-1]
    assert refused["Retry-After"] == "3600"
    assert "Too many requests" in refused.content.decode()
    assert "script-src 'self'" in refused["Content-Security-Policy"]
    assert Complaint.objects.count() == 3


def test_another_ip_is_not_affected(submit, tight_limits):
    for _ in range(3):
        submit(ip="198.51.100.1", customer_phone="13800138001")
    assert submit(ip="198.51.100.1", customer_phone="13900139000").status_code == 429
    assert submit(ip="198.51.100.2", customer_phone="13900139000").status_code == 302


def test_complaints_for_one_phone_are_limited_across_ips(submit, tight_limits):
    codes = [submit(ip=f"198.51.100.{i}", customer_phone="+86 138 0013 8000").status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert Complaint.objects.count() == 2


def test_invalid_submissions_count_against_the_ip(submit, tight_limits):
    for _ in range(3):
        assert submit(summary="").status_code == 200
    assert submit().status_code == 429
    assert Complaint.objects.count() == 0


def test_honeypot_submissions_count_against_the_ip(submit, tight_limits):
    for _ in range(3):
        submit(website="x")
    assert submit().status_code == 429


def test_status_lookups_from_one_ip_are_limited(client, tight_limits):
    # malformed codes: refused by the form, counted against the hourly limit only
    codes = [client.post("/public/status/", {"code": f"x{i}", "phone": "13800138000"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_failed_lookups_are_limited_per_client_and_never_lock_out_the_customer(client, submit, tight_limits):
    # given: a stranger guesses codes and phones from one address until refused
    submit(customer_phone="13800138000")
    case = Complaint.objects.get()
    guesses = [client.post("/public/status/", {"code": case.public_code, "phone": f"1390013900{i}"},
                           REMOTE_ADDR="198.51.100.9").status_code for i in range(3)]
    assert guesses == [200, 200, 429]
    # when: the real customer looks up from their own address
    response = client.post("/public/status/", {"code": case.public_code, "phone": "13800138000"},
                           REMOTE_ADDR="198.51.100.1")
    # then
    assert response.status_code == 200 and "Received." in response.content.decode()


def test_get_requests_are_not_counted(client, tight_limits):
    for _ in range(5):
        assert client.get("/public/complain/").status_code == 200
        assert client.get("/public/status/").status_code == 200
