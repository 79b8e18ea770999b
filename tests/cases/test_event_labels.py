"""The timeline in the reader's words: labels follow the reader's language, not the language at
import; departments by their name, people by their name, values by their label (never the
codes and usernames the event data keeps)."""
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from cases.models import Department
from cases.templatetags.case_tags import event_details
from cases.timeline import case_timeline

pytestmark = pytest.mark.django_db


def _event(kind="reassign", **data):
    return SimpleNamespace(kind=kind, data=data or {"reason": "wrong department", "department": "CS"})


def test_event_detail_labels_are_translated_per_request():
    with translation.override("zh-hans"):
        zh = dict(event_details(_event()))
        expected_reason = translation.gettext("reason")
    with translation.override("en"):
        en = dict(event_details(_event()))
    assert expected_reason != "reason"  # the catalogue has the word
    assert zh == {expected_reason: "wrong department", _zh("department"): "CS"}
    assert en == {"reason": "wrong department", "department": "CS"}


def test_timeline_names_departments_people_and_values_not_their_codes():
    # given: events that keep a department code, usernames and a method code
    Department.objects.create(code="CLAIMS", name="理赔部")
    Department.objects.create(code="CS", name="客户服务部")
    get_user_model().objects.create_user("inv_claims", first_name="王", last_name="")
    events = [_event("assign", department="CLAIMS"), _event("form_team", lead="inv_claims", members=["inv_claims", "x"]),
              _event("acknowledge", method="phone"), _event("reassign", **{"from": "CLAIMS", "to": "CS"})]
    # when
    with translation.override("zh-hans"):
        details = [dict(entry.details) for entry in case_timeline(events)]
        phone = str(translation.gettext("Phone"))
    # then
    assert details[0] == {_zh("department"): "理赔部"}
    assert details[1] == {_zh("lead"): "王", _zh("members"): "王, x"}
    assert details[2] == {_zh("method"): phone} and phone != "phone"
    assert details[3] == {_zh("from"): "理赔部", _zh("to"): "客户服务部"}


def _zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)
