"""The case page's action forms written out in Python (cases/form_html.py) are the markup of
templates/includes/form_fields.html and field.html, for every action form, empty and with
errors, in both languages."""
import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.utils import translation

from cases.actions.table import PUBLIC_ACTIONS
from cases.form_html import form_fields_html
from cases.views import _action_form
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def _both(form):
    expected = render_to_string("includes/form_fields.html", {"form": form})
    return parse_html(str(form_fields_html(form))), parse_html(expected)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("name", sorted(PUBLIC_ACTIONS))
def test_every_action_form_is_written_as_the_template_writes_it(people, name, language):
    case = ComplaintFactory(state="investigating", department="SALES")
    with translation.override(language):
        written, expected = _both(_action_form(name, people["head_sales"], case))
        assert written == expected
        # and with the errors of an empty submission
        bound = _action_form(name, people["head_sales"], case, data={"confirm": "", "reason": "<b>x</b>"})
        bound.is_valid()
        bound.add_error(None, "A <problem> & another")
        written, expected = _both(bound)
        assert written == expected
        assert "<problem>" not in str(form_fields_html(bound))


def _items_both(items, expanded, case, csrf_value="tok<en>"):
    from django.template import Context, Template

    from cases.form_html import action_items_html

    context = {"case": case, "expanded": expanded, "csrf_token": csrf_value}
    template = Template('{% for item in items %}{% include "cases/_action_item.html" %}{% endfor %}')
    expected = template.render(Context({**context, "items": items}))
    written = action_items_html(items, expanded=expanded, reference=case.reference,
                                csrf_input=f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_value}">'
                                .replace("<en>", "&lt;en&gt;"))
    return parse_html(str(written)), parse_html(expected)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_action_panel_items_are_written_as_the_templates_write_them(people, language):
    case = ComplaintFactory(state="investigating", department="SALES")
    with translation.override(language):
        items = [{"name": name, "form": _action_form(name, people["head_sales"], case)} for name in sorted(PUBLIC_ACTIONS)]
        # the first item open, then another one, then none
        for expanded in (items[0]["name"], items[3]["name"], None):
            written, expected = _items_both(items, expanded, case)
            assert written == expected
        # a failed submission, open with its errors
        bound = _action_form("extend", people["head_sales"], case, data={"reason": "<b>x</b>"})
        bound.is_valid()
        bound.add_error(None, "A <problem> & another")
        written, expected = _items_both([{"name": "extend", "form": bound}], "extend", case)
        assert written == expected


def test_the_case_page_shows_the_written_action_panel(people):
    from django.test import Client
    from django.urls import reverse

    case = ComplaintFactory(state="investigating", department="SALES")
    client = Client()
    client.force_login(people["head_sales"])
    response = client.get(reverse("case_detail", args=[case.reference]))
    page = response.content.decode()
    context = response.context
    assert context["primary_forms"] and context["secondary_forms"]
    for key in ("primary_forms", "secondary_forms"):
        written, template = _items_both(context[key], context["expanded"], case, str(context["csrf_token"]))
        assert written == template
        assert written in parse_html(page)
    for item in context["primary_forms"] + context["secondary_forms"]:
        assert page.count(f'data-action="{item["name"]}"') == 1
