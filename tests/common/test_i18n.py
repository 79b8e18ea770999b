import pytest
from django.test import override_settings
from django.utils import translation


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_a_visitor_without_preference_gets_the_chinese_portal(client):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body


@pytest.mark.django_db
def test_the_language_switch_serves_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body and "Log in" in body


def test_the_zh_hans_catalogue_is_compiled_and_complete_for_core_terms():
    with translation.override("zh-hans"):
        for english in ("Intake queue", "Log in", "Complaint management", "Overdue"):
            assert translation.gettext(english) != english, english
