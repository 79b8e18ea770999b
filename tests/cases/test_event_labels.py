"""Timeline labels of event data follow the reader's language, not the language at import."""
from types import SimpleNamespace

from django.utils import translation

from cases.templatetags.case_tags import event_details


def _event():
    return SimpleNamespace(kind="reassign", data={"reason": "wrong department", "department": "CS"})


def test_event_detail_labels_are_translated_per_request():
    with translation.override("zh-hans"):
        zh = dict(event_details(_event()))
        expected_reason = translation.gettext("reason")
    with translation.override("en"):
        en = dict(event_details(_event()))
    assert expected_reason != "reason"  # the catalogue has the word
    assert zh == {expected_reason: "wrong department", _zh("department"): "CS"}
    assert en == {"reason": "wrong department", "department": "CS"}


def _zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)
