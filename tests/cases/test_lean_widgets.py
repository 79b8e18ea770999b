"""Lean widgets (cases.forms.lean_widget) render exactly what Django's widget templates render:
they only skip the templates."""
import datetime

import pytest
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cases.forms import CaseFilterForm, IntakeForm, LeanSelect, StyledForm, lean_widget

CHOICES = [("", "All"), ("a", "Apple & <pear>"), ("b", _("Status")), (3, "three \"quoted\"")]
ATTRS = [None, {"class": "form-control", "required": True, "disabled": False, "data-x": "<&>", "id": "id_f",
                "placeholder": _("Search")}]


def same_as_django(widget, value, attrs=None):
    lean = lean_widget(widget)
    assert type(lean) is not type(widget), "not made lean"
    with override("zh-hans"):
        assert lean.render("f", value, attrs=attrs) == widget.render("f", value, attrs=attrs)


@pytest.mark.parametrize("value", [None, "", "a", "b", 3, "3", "missing"])
@pytest.mark.parametrize("attrs", ATTRS)
def test_lean_select_renders_the_same_markup(value, attrs):
    same_as_django(forms.Select(attrs=attrs, choices=CHOICES), value)


@pytest.mark.parametrize("widget", [
    forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.HiddenInput, forms.PasswordInput,
    forms.CheckboxInput, forms.Textarea, lambda attrs: forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
    lambda attrs: forms.DateTimeInput(attrs=attrs, format="%Y-%m-%dT%H:%M"), forms.TimeInput,
])
@pytest.mark.parametrize("value", [None, "", "x < y & \"z\"", 0, 12, True, False, "多行\n文本",
                                   datetime.date(2026, 11, 2), datetime.datetime(2026, 11, 2, 9, 30)])
@pytest.mark.parametrize("attrs", ATTRS)
def test_lean_inputs_and_textareas_render_the_same_markup(widget, value, attrs):
    same_as_django(widget(attrs=attrs), value)


def test_grouped_choices_and_other_widgets_keep_the_templates():
    grouped = [("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Other")]
    assert lean_widget(forms.Select(choices=grouped)).render("f", "b") == forms.Select(choices=grouped).render("f", "b")
    for widget in (forms.RadioSelect(choices=CHOICES), forms.SelectMultiple(choices=CHOICES), forms.ClearableFileInput(),
                   forms.CheckboxSelectMultiple(choices=CHOICES)):
        assert lean_widget(widget) is widget
    custom = forms.TextInput()
    custom.template_name = "django/forms/widgets/textarea.html"
    assert lean_widget(custom) is custom


def _django_widget(widget):
    """A plain Django widget with the same state as ``widget`` (the class it was made lean from)."""
    plain = next(cls for cls in type(widget).__mro__ if cls.__module__ == "django.forms.widgets")
    copied = plain.__new__(plain)
    copied.__dict__.update(widget.__dict__)
    return copied


def test_every_form_field_renders_as_before(db):
    """Every field of the styled forms, bound or not, renders as the plain Django widget does."""
    checked = [CaseFilterForm({"status": "closed", "channel": "hotline", "q": "<b>", "overdue": "on"}),
               IntakeForm({"summary": "a & b", "customer_phone": "138", "channel": "letter"}), IntakeForm()]
    assert isinstance(checked[0].fields["status"].widget, LeanSelect)
    lean = 0
    for form in checked:
        for bound in form:
            widget = bound.field.widget
            attrs = bound.build_widget_attrs({})  # as BoundField.as_widget
            if bound.auto_id and "id" not in widget.attrs:
                attrs.setdefault("id", bound.auto_id)
            expected = _django_widget(widget).render(bound.html_name, bound.value(), attrs=attrs)
            assert str(bound) == expected, bound.name
            lean += type(widget).__module__ == "cases.forms"
    assert lean > 10
    assert 'value="closed" selected' in str(checked[0]["status"])


def test_radio_and_multiple_selects_keep_their_widgets():
    class Form(StyledForm):
        one = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
        many = forms.MultipleChoiceField(choices=[("a", "A")])

    form = Form()
    assert type(form.fields["one"].widget) is forms.RadioSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple
