"""Tags that bring the Jinja2 templates (jinja2/) into a Django template.

``{% field form.name %}``: one form field as every portal form shows it.
``{% include_jinja2 "cases/_case_table.html" rows=rows %}``: a Jinja2 template in a page.
"""
from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from ..rendering import page_values, render_field

register = template.Library()
register.simple_tag(render_field, name="field")


@register.simple_tag(takes_context=True)
def include_jinja2(context, template_name, **values):
    """{% include %} for a template of the Jinja2 engine: rendered with ``values``, or without
    values with the whole context, as {% include %}; and the request, the page's CSRF token and
    the active language's messages (rendering.page_values). Jinja2 escapes what it places; its
    output is safe."""
    template = engines["jinja2"].get_template(template_name)
    values = {**(values or context.flatten()), **page_values(context.get("request"), context.get("csrf_token"))}
    rendered = template.render(values)  # without request: page_values gave what the engine would add
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703 - an autoescaping template's output
