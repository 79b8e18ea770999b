"""LeanSelect renders exactly what Django's select templates render (it only skips them)."""
import pytest
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cases.forms import CaseFilterForm, LeanSelect, StyledForm

CHOICES = [("", "All"), ("a", "Apple & <pear>"), ("b", _("Status")), (3, "three \"quoted\"")]


@pytest.mark.parametrize("value", [None, "", "a", "b", 3, "3", "missing"])
@pytest.mark.parametrize("attrs", [None, {"class": "form-select", "required": True, "disabled": False,
                                          "data-x": "<&>", "id": "id_f"}])
def test_lean_select_renders_the_same_markup_as_django_select(value, attrs):
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    lean = LeanSelect.of(forms.Select(attrs=attrs, choices=CHOICES))
    with override("zh-hans"):
        assert lean.render("f", value) == django_select.render("f", value)


def test_lean_select_falls_back_to_the_templates_for_grouped_choices():
    grouped = [("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Other")]
    assert LeanSelect.of(forms.Select(choices=grouped)).render("f", "b") == forms.Select(choices=grouped).render("f", "b")


def test_styled_forms_render_their_selects_lean_and_the_same_as_before(db):
    form = CaseFilterForm({"status": "closed", "category": "", "channel": "hotline"})
    assert all(type(form.fields[name].widget) is LeanSelect for name in ("status", "category", "channel"))
    for name in ("status", "category", "channel"):
        bound = form[name]
        django_select = forms.Select(attrs=bound.field.widget.attrs, choices=bound.field.choices)
        assert str(bound) == django_select.render(bound.html_name, bound.value(), attrs=bound.build_widget_attrs(
            {"id": bound.auto_id}))
    assert 'value="closed" selected' in str(form["status"])


def test_radio_and_multiple_selects_keep_their_widgets():
    class Form(StyledForm):
        one = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
        many = forms.MultipleChoiceField(choices=[("a", "A")])

    form = Form()
    assert type(form.fields["one"].widget) is forms.RadioSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple
