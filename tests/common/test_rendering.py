"""Every portal form renders its fields through one template (jinja2/includes/field.html) and
its widgets through Django's widget templates: what a field shows, with each layout option."""
import datetime
import zoneinfo

import pytest
from django import forms
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from complaints_portal.common.rendering import render_field
from tests.html import attr, classes, element, elements, text


class Sample(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="As on the ID & policy", max_length=20)
    nickname = forms.CharField(label="Nickname", required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("", "—"), ("a", "Apple & pear"), ("b", "Banana")])
    grouped = forms.ChoiceField(label="Grouped", required=False,
                                choices=[("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Other")])
    agree = forms.BooleanField(label="I agree")
    colour = forms.ChoiceField(label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2, "disabled": False}))


def test_a_field_shows_its_label_required_mark_widget_help_and_errors_escaped():
    form = Sample({"name": "x" * 30})
    html = str(render_field(form["name"]))
    wrapper = element(html, "div", class_="mb-3")
    label = element(wrapper, "label", for_="id_name", class_="form-label")
    assert text(label) == "Name <b> *" and elements(label, "span", class_="text-danger", aria_hidden="true")
    box = element(wrapper, "input", name="name")
    assert (attr(box, "type"), attr(box, "value"), attr(box, "maxlength")) == ("text", "x" * 30, "20")
    assert ("required", None) in box.attributes
    assert text(element(wrapper, "div", class_="form-text")) == "As on the ID & policy"
    assert text(element(wrapper, "div", class_="invalid-feedback d-block")) == form.errors["name"][0]
    assert "<b>" not in html


def test_a_help_text_marked_safe_is_markup_and_any_other_is_escaped():
    class Password(forms.Form):
        new = forms.CharField(help_text=lazy(lambda: mark_safe("<ul><li>8 characters</li></ul>"), str)())
        old = forms.CharField(help_text=lazy(lambda: "<ul><li>not markup</li></ul>", str)())

    form = Password()
    assert text(element(str(render_field(form["new"])), "li")) == "8 characters"
    assert text(element(str(render_field(form["old"])), "div", class_="form-text")) == "<ul><li>not markup</li></ul>"


@pytest.mark.django_db
def test_the_password_change_page_lists_the_password_rules(admin_client):
    page = admin_client.get(reverse("password_change")).content.decode()
    rules = [text(li) for li in elements(page, "li") if "characters" in text(li)]
    assert rules == ["Your password must contain at least 8 characters."]


def test_an_optional_field_has_no_required_mark_and_an_unbound_one_no_error():
    html = str(render_field(Sample()["nickname"]))
    assert not elements(html, "span", class_="text-danger")
    assert not elements(html, "div", class_="invalid-feedback")


def test_a_select_shows_its_choices_escaped_and_the_chosen_one_selected():
    form = Sample({"kind": "b", "grouped": "b"})
    select = element(str(render_field(form["kind"])), "select", name="kind", id="id_kind")
    options = elements(select, "option")
    assert [(attr(o, "value"), text(o)) for o in options] == [("", "—"), ("a", "Apple & pear"), ("b", "Banana")]
    assert [attr(o, "value") for o in options if ("selected", None) in o.attributes] == ["b"]
    group = element(str(render_field(form["grouped"])), "optgroup", label="Fruit")
    assert [text(o) for o in elements(group, "option")] == ["Apple", "Banana"]


def test_a_checkbox_sits_before_its_label_and_choices_in_a_fieldset():
    form = Sample()
    agree = element(str(render_field(form["agree"])), "div", class_="form-check")
    assert attr(element(agree, "input", name="agree"), "type") == "checkbox"
    assert text(element(agree, "label", class_="form-check-label", for_="id_agree")) == "I agree *"
    fieldset = element(str(render_field(form["colour"], inline=True)), "fieldset")
    assert text(element(fieldset, "legend")) == "Colour *"
    choices = elements(fieldset, "div", class_="form-check form-check-inline")
    assert [text(c) for c in choices] == ["Red", "Green"]
    assert [attr(element(c, "input"), "type") for c in choices] == ["radio", "radio"]


def test_a_textarea_shows_its_text_and_leaves_out_false_attributes():
    textarea = element(str(render_field(Sample({"note": "a < b\nline 2"})["note"])), "textarea", name="note")
    assert text(textarea) == "a < b line 2" and attr(textarea, "rows") == "2"
    assert "disabled" not in dict(textarea.attributes)


def test_layout_options_replace_the_wrapper_add_label_classes_and_a_show_when_hook():
    html = str(render_field(Sample()["kind"], wrapper_class="col-md-2", label_class="small mb-0",
                            show_when="channel=regulator"))
    wrapper = element(html, "div", data_show_when="channel=regulator")
    assert classes(wrapper) == {"col-md-2"}
    assert classes(element(wrapper, "label")) == {"form-label", "small", "mb-0"}
    bare = element(str(render_field(Sample()["nickname"], wrapper_class="")), "div")
    assert "class" not in dict(bare.attributes)


def test_the_django_template_tag_and_a_whole_form_use_the_same_field_template():
    form = Sample()
    tag = engines["django"].from_string('{% load portal_templates %}{% field form.kind wrapper_class="x" %}')
    assert tag.render({"form": form}) == str(render_field(form["kind"], wrapper_class="x"))
    whole = str(form)
    for name in form.fields:
        assert str(render_field(form[name])) in whole


def test_a_jinja2_date_is_shown_in_local_time_as_in_a_django_template():
    utc = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    local = utc.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    jinja = engines["jinja2"].from_string('{{ when|date("Y-m-d H:i") }}').render({"when": utc})
    django = engines["django"].from_string('{{ when|date:"Y-m-d H:i" }}').render({"when": utc})
    assert jinja == django == local.strftime("%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_the_intake_form_keeps_its_hooks_for_the_page_script(client, django_user_model):
    from django.contrib.auth.models import Group

    clerk = django_user_model.objects.create_user("clerk_r", password="x")
    clerk.groups.add(Group.objects.get_or_create(name="intake_clerk")[0])
    client.force_login(clerk)
    page = client.get(reverse("case_create")).content.decode()
    misconduct = element(page, "div", data_show_when="category=misconduct")
    assert elements(misconduct, "select", name="misconduct_kind")
    # complaint or feedback, and the four customer flags
    assert len(elements(page, "div", class_="form-check form-check-inline")) == 2 + 4
    phone = element(page, "input", name="customer_phone")
    assert attr(phone, "hx-post") == reverse("duplicate_check") and attr(phone, "hx-target") == "#duplicates"
    assert ("autofocus", None) in element(page, "input", name="customer_name").attributes
    assert text(element(page, "label", for_="id_summary")) == "Summary *"
    assert text(element(page, "label", for_="id_product_line")) == "Product line"


@pytest.mark.django_db
def test_an_admin_widget_without_a_jinja2_template_still_renders(admin_client):
    # the department's parent: a select in the admin's related-widget wrapper (a Django template)
    page = admin_client.get(reverse("admin:cases_department_add")).content.decode()
    wrappers = elements(page, "div", class_="related-widget-wrapper")
    assert any(elements(wrapper, "select", name="parent") for wrapper in wrappers)
