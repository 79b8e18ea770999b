"""Tags that bring the Jinja2 templates (jinja2/) into a Django template.

``{% field form.name %}``: one form field as every portal form shows it.
``{% include_jinja2 "cases/_case_table.html" rows=rows %}``: a Jinja2 template in a page.
"""
from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from ..rendering import render_field

register = template.Library()
register.simple_tag(render_field, name="field")


@register.simple_tag(takes_context=True)
def include_jinja2(context, template_name, **values):
    """{% include %} for a template of the Jinja2 engine: rendered with ``values`` (and the
    request, for ``csrf_input``), or without values with the whole context, as {% include %}.
    Jinja2 escapes what it places; its output is safe."""
    template = engines["jinja2"].get_template(template_name)
    rendered = template.render(values or context.flatten(), request=context.get("request"))
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703 - an autoescaping template's output
