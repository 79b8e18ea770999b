"""The case page's action forms written out in Python (cases/form_html.py) are the markup of
templates/includes/form_fields.html and field.html, for every action form, empty and with
errors, in both languages."""
import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.utils import translation

from cases.form_html import form_fields_html
from cases.forms import ACTION_FORMS
from cases.views import _action_form
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def _both(form):
    expected = render_to_string("includes/form_fields.html", {"form": form})
    return parse_html(str(form_fields_html(form))), parse_html(expected)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("name", sorted(ACTION_FORMS))
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
