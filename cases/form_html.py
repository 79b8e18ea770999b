"""The fields of a portal form written out in Python, with the markup of
templates/includes/form_fields.html and includes/field.html (without their wrapper_class,
show_when and inline options).

The case page shows every action the user may take as a form in an accordion; rendering their
fields through two nested template includes per field was the largest part of the page's CPU.
tests/cases/test_form_html.py compares the output with the templates for every action form.
"""
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe

_REQUIRED = ' <span class="text-danger" aria-hidden="true">*</span>'


def _field_html(field):
    widget = field.field.widget
    kind = getattr(widget, "input_type", "")
    choices = getattr(field.field, "choices", None)
    label = conditional_escape(field.label)
    required = _REQUIRED if field.field.required else ""
    single_checkbox = kind == "checkbox" and not choices
    parts = ['<div class="mb-3 form-check">' if single_checkbox else '<div class="mb-3">']
    if single_checkbox:
        parts.append(f'{field} <label class="form-check-label" for="{conditional_escape(field.id_for_label)}">'
                     f"{label}{required}</label>")
    elif kind in ("radio", "checkbox"):
        parts.append(f'<fieldset><legend class="form-label fs-6 mb-1">{label}{required}</legend>')
        for choice in field:
            parts.append(f'<div class="form-check">{choice.tag()} <label class="form-check-label" '
                         f'for="{conditional_escape(choice.id_for_label)}">{conditional_escape(choice.choice_label)}'
                         "</label></div>")
        parts.append("</fieldset>")
    else:
        parts.append(f'<label class="form-label" for="{conditional_escape(field.id_for_label)}">{label}{required}'
                     f"</label>{field}")
    if field.help_text:
        parts.append(f'<div class="form-text">{conditional_escape(field.help_text)}</div>')
    for error in field.errors:
        parts.append(f'<div class="invalid-feedback d-block">{conditional_escape(error)}</div>')
    parts.append("</div>")
    return "\n".join(parts)


def form_fields_html(form):
    """includes/form_fields.html for ``form``: non-field errors, hidden fields, visible fields."""
    out = []
    errors = form.non_field_errors()
    if errors:
        out.append('<div class="alert alert-danger" role="alert">'
                   + "<br>".join(str(conditional_escape(e)) for e in errors) + "</div>")
    out.extend(str(field) for field in form.hidden_fields())
    out.extend(_field_html(field) for field in form.visible_fields())
    return mark_safe("\n".join(out))  # noqa: S308  # nosec B308 B703 - labels, texts and errors escaped; widgets render safe HTML


_REFERENCE, _ACTION = "REFERENCE", "ACTION"
_URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted


def action_items_html(items, *, expanded, reference, csrf_input):
    """templates/cases/_action_item.html (with _action_form.html) for each of ``items``, the
    case page's {"name", "form"} dicts; ``csrf_input`` is what {% csrf_token %} writes.

    Two template includes per action form, each with its variable look-ups, cost the case page
    about as much as the fields themselves; tests/cases/test_form_html.py compares the output
    with the templates for every action form, open and closed, in both languages."""
    url = reverse("case_action", args=[_REFERENCE, _ACTION])
    url = url.replace(_REFERENCE, quote(reference, safe=_URL_SAFE), 1)
    out = []
    for item in items:
        name, form = conditional_escape(item["name"]), item["form"]
        title = conditional_escape(form.title)
        is_open = item["name"] == expanded
        confirm = f' data-confirm="{conditional_escape(form.confirm)}"' if form.confirm else ""
        action = url.replace(_ACTION, quote(item["name"], safe=_URL_SAFE), 1)
        out.append(
            '<div class="accordion-item">\n'
            f'  <h3 class="accordion-header" id="ah-{name}">\n'
            f'    <button class="accordion-button py-2{"" if is_open else " collapsed"}" type="button" '
            f'data-bs-toggle="collapse" data-bs-target="#act-{name}" aria-expanded="{"true" if is_open else "false"}" '
            f'aria-controls="act-{name}">{title}</button>\n'
            "  </h3>\n"
            f'  <div id="act-{name}" class="accordion-collapse collapse{" show" if is_open else ""}" '
            f'aria-labelledby="ah-{name}" data-bs-parent="#actions">\n'
            f'    <div class="accordion-body"><form method="post" action="{conditional_escape(action)}" '
            f'class="action-form" data-action="{name}">{csrf_input}\n'
            f"  {form_fields_html(form)}\n"
            f'  <button type="submit" class="btn {conditional_escape(form.button_class)}"{confirm}>{title}</button>\n'
            "</form>\n"
            "</div>\n"
            "  </div>\n"
            "</div>"
        )
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - names, titles and URLs escaped; fields as above
