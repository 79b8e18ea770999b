"""Tags that bring the Jinja2 templates (jinja2/) into a Django template.

``{% field form.name %}``: one form field as every portal form shows it.
``{% include_jinja2 "cases/_case_table.html" rows=rows %}``: a Jinja2 fragment in a page.
"""
from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def field(bound_field, **options):
    """``bound_field`` through the form renderer's field template (jinja2/includes/field.html),
    with the options it takes: ``wrapper_class`` (instead of ``mb-3``), ``label_class`` (added
    to the label's), ``show_when`` (data-show-when, for portal.js) and ``inline`` (choices
    side by side)."""
    return bound_field.render(context={"field": bound_field, **options})


@register.simple_tag(takes_context=True)
def include_jinja2(context, template_name, **values):
    """{% include %} for a template of the Jinja2 engine: rendered with ``values`` only (and the
    request, for ``csrf_input``). Jinja2 escapes what it places; its output is safe."""
    rendered = engines["jinja2"].get_template(template_name).render(values, request=context.get("request"))
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703 - an autoescaping template's output
