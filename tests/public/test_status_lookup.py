"""Status look-up: look-up code + phone give the stage in plain words and the due date, nothing
else; every mismatch gives the same response, whether the code exists or not."""
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


def _lookup(client, code, phone):
    return client.post("/public/status/", {"code": code, "phone": phone})


def _body(response):
    # The CSRF token is masked differently on every render; everything else must be equal.
    return _TOKEN.sub("TOKEN", response.content.decode())


def test_matching_pair_shows_stage_and_due_date_only(client, case):
    response = _lookup(client, case.public_code_display, "+86 13800138000")
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
    wrong_phone = _lookup(client, case.public_code, "13900139000")
    unknown = _lookup(client, "ZZZZ-ZZZZ-ZZZZ", "13900139000")
    # Same submitted code for both, so the echoed input cannot differ.
    unknown_same_input = _lookup(client, case.public_code, "13900139000")
    Complaint.objects.all().delete()
    missing = _lookup(client, case.public_code, "13900139000")
    assert wrong_phone.status_code == unknown.status_code == missing.status_code == 200
    assert _body(wrong_phone) == _body(missing) == _body(unknown_same_input)
    assert "We could not find a complaint with this look-up code and phone number" in _body(unknown)
    assert "Decision due by" not in _body(wrong_phone)


@pytest.mark.parametrize("status", list(CUSTOMER_STAGES))
def test_every_status_has_a_customer_phrase(client, case, status):
    Complaint.objects.filter(pk=case.pk).update(status=status, notified_at=case.received_at)
    with translation.override("en"):
        phrase = str(CUSTOMER_STAGES[status])
    html = _lookup(client, case.public_code_display, "13800138000").content.decode()
    assert phrase.replace("'", "&#x27;") in html
    shows_due = status not in {Status.RESPONDED, Status.CLOSED, Status.ARCHIVED}
    assert ("Decision due by" in html) is shows_due


def test_withdrawn_case_says_so(client, case):
    Complaint.objects.filter(pk=case.pk).update(status=Status.CLOSED, outcome=Outcome.WITHDRAWN,
                                                withdrawn_at=case.received_at)
    html = _lookup(client, case.public_code_display, "13800138000").content.decode()
    assert "you withdrew it" in html


def test_review_round_shows_the_review_due_date(client, case):
    Complaint.objects.filter(pk=case.pk).update(status=Status.ASSIGNED, round=2)
    CaseDeadline.objects.create(case=case, stage=Stage.REVIEW, due_on="2026-12-30")
    html = _lookup(client, case.public_code_display, "13800138000").content.decode()
    assert "review of our decision" in html
    assert "2026年12月30日" in html or "Dec. 30, 2026" in html


def test_phone_stored_by_staff_with_separators_still_matches(client, case):
    Complaint.objects.filter(pk=case.pk).update(customer_phone="+86 138-0013-8000")
    assert "Received." in _lookup(client, case.public_code_display, "13800138000").content.decode()


def test_phone_never_appears_in_a_url(client):
    html = client.get("/public/status/").content.decode()
    assert 'method="post"' in html


def test_the_sequential_reference_does_not_open_the_look_up(client, case):
    html = _lookup(client, case.reference, "13800138000").content.decode()

    assert "Received." not in html
    assert "We could not find a complaint with this look-up code and phone number" in html


def test_the_code_is_read_in_any_case_with_or_without_dashes_and_ambiguous_letters(client, case):
    typed = case.public_code.lower().replace("0", "o").replace("1", "l")

    assert "Received." in _lookup(client, typed, "13800138000").content.decode()


def test_every_case_gets_its_own_random_code(submit):
    for phone in ("13800138001", "13800138002", "13800138003"):
        submit(customer_phone=phone)
    codes = list(Complaint.objects.values_list("public_code", flat=True))

    assert len(set(codes)) == 3 and all(len(c) == 12 for c in codes)
    assert not any(c.startswith("TS") for c in codes)
