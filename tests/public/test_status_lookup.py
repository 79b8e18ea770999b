"""Status look-up: reference + phone give the stage in plain words and the due date, nothing
else; every mismatch gives the same response, whether the reference exists or not."""
import re

import pytest
from django.utils import translation

from cases.models import CaseDeadline, Complaint
from cases.models.case import Outcome, Status
from cases.models.deadlines import Stage
from cases.public.lookup import CUSTOMER_STAGES

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'[A-Za-z0-9]{64}')


@pytest.fixture
def case(submit):
    submit(customer_phone="138-0013-8000", customer_name="王小明", summary="理赔款迟迟未到账")
    return Complaint.objects.get()


def _lookup(client, reference, phone):
    return client.post("/public/status/", {"reference": reference, "phone": phone})


def _body(response):
    # The CSRF token is masked differently on every render; everything else must be equal.
    return _TOKEN.sub("TOKEN", response.content.decode())


def test_matching_pair_shows_stage_and_due_date_only(client, case):
    response = _lookup(client, case.reference, "+86 13800138000")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Received. We will contact you within 1 working day." in html
    assert "Decision due by" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # No personal data or case details on the page.
    assert "王小明" not in html
    assert "理赔款" not in html
    assert "wang@example.cn" not in html


def test_wrong_phone_and_unknown_reference_give_the_identical_response(client, case):
    wrong_phone = _lookup(client, case.reference, "13900139000")
    unknown = _lookup(client, case.reference.replace("000001", "999999"), "13900139000")
    # Same submitted reference string for both, so the echoed input cannot differ.
    unknown_same_input = _lookup(client, case.reference, "13900139000")
    Complaint.objects.all().delete()
    missing = _lookup(client, case.reference, "13900139000")
    assert wrong_phone.status_code == unknown.status_code == missing.status_code == 200
    assert _body(wrong_phone) == _body(missing) == _body(unknown_same_input)
    assert "We could not find a complaint with this reference number and phone number" in _body(unknown)
    assert "Decision due by" not in _body(wrong_phone)


@pytest.mark.parametrize("status", list(CUSTOMER_STAGES))
def test_every_status_has_a_customer_phrase(client, case, status):
    Complaint.objects.filter(pk=case.pk).update(status=status, notified_at=case.received_at)
    with translation.override("en"):
        phrase = str(CUSTOMER_STAGES[status])
    html = _lookup(client, case.reference, "13800138000").content.decode()
    assert phrase.replace("'", "&#x27;") in html
    shows_due = status not in {Status.RESPONDED, Status.CLOSED, Status.ARCHIVED}
    assert ("Decision due by" in html) is shows_due


def test_withdrawn_case_says_so(client, case):
    Complaint.objects.filter(pk=case.pk).update(status=Status.CLOSED, outcome=Outcome.WITHDRAWN,
                                                withdrawn_at=case.received_at)
    html = _lookup(client, case.reference, "13800138000").content.decode()
    assert "you withdrew it" in html


def test_review_round_shows_the_review_due_date(client, case):
    Complaint.objects.filter(pk=case.pk).update(status=Status.ASSIGNED, round=2)
    CaseDeadline.objects.create(case=case, stage=Stage.REVIEW, due_on="2026-12-30")
    html = _lookup(client, case.reference, "13800138000").content.decode()
    assert "review of our decision" in html
    assert "2026年12月30日" in html or "Dec. 30, 2026" in html


def test_phone_stored_by_staff_with_separators_still_matches(client, case):
    Complaint.objects.filter(pk=case.pk).update(customer_phone="+86 138-0013-8000")
    assert "Received." in _lookup(client, case.reference, "13800138000").content.decode()


def test_phone_never_appears_in_a_url(client):
    html = client.get("/public/status/").content.decode()
    assert 'method="post"' in html
