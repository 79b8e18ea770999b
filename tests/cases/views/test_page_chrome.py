"""What every staff page carries around its body (templates/base.html with the Jinja2 navigation
bar, jinja2/includes/navbar.html): one CSRF token, the user's roles by name, and the case page's
reads limited to the sections a case has."""
import re

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from complaints_portal.common.rendering import url


def test_a_staff_page_uses_the_same_csrf_token_in_every_form_and_for_htmx(login, assigned_case):
    # given the head of the case's department on its page (the team form open, the language
    # switch and the log-out form in the navigation)
    html = login("head_sales").get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    # then every form and the htmx header carry one and the same masked token
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(re.findall(r'name="csrfmiddlewaretoken"', html)) >= 3
    assert len(tokens) == 1


def test_the_menu_names_the_users_roles_in_the_order_of_the_roles(login, users):
    # given a clerk who is also a supervisor, reading in English
    users["clerk"].groups.add(Group.objects.get(name="supervisor"))
    client = login("clerk")
    client.cookies["django_language"] = "en"
    # when any page is shown
    html = client.get(reverse("home")).content.decode()
    # then the user menu names both roles, clerk first, and the menu offers the supervisor's pages
    assert '<span class="dropdown-item-text small text-muted">Intake clerk, Supervisor</span>' in html
    assert f'href="{reverse("supervision")}"' in html and f'href="{reverse("case_create")}"' in html


def test_an_address_without_arguments_follows_the_script_prefix():
    try:
        set_script_prefix("/portal/")
        assert url("home") == "/portal/"
        set_script_prefix("/")
        assert url("home") == "/"
    finally:
        set_script_prefix("/")


def test_the_case_page_of_a_case_without_a_triage_suggestion_does_not_read_one(login, assigned_case):
    client = login("head_sales")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("case_detail", args=[assigned_case.reference]))
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "triage_triagesuggestion"')]
