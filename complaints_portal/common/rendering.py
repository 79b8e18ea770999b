"""The template engines' wiring: the Jinja2 environment and the form renderer.

Pages are Django templates (templates/). The markup rendered many times per request is Jinja2
(jinja2/): the one field template every portal form uses, the whole-form template, Django's
own widget templates (their Jinja2 versions, shipped with Django), the queue's case table and
the case page's action panel. The settings (TEMPLATES, FORM_RENDERER) say why, with figures.
"""
from django.forms.renderers import BaseRenderer
from django.template import TemplateDoesNotExist, engines
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from jinja2 import Environment


def url(name, *args):
    """``{{ url("case_detail", reference) }}`` in a Jinja2 template, as Django's {% url %}."""
    return reverse(name, args=args)


def environment(**options):
    """The Jinja2 environment of the "jinja2" engine: Django's translations (``_("...")``,
    extracted by makemessages like a Django template's) and ``url()``."""
    options.pop("autoescape", None)  # on, whatever the settings say: Django's engine escapes too
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals["url"] = url
    return env


class PortalFormRenderer(BaseRenderer):
    """Every form through the Jinja2 engine: ``{{ form }}`` renders jinja2/includes/form_fields.html,
    one field (``{% field %}``, complaints_portal/common/templatetags/portal_templates.py, or
    ``{{ form.name.as_field_group }}``) jinja2/includes/field.html, and the widgets Django's
    Jinja2 widget templates. A template that exists only for Django's engine (the admin's
    widgets) is taken from there."""

    form_template_name = "includes/form_fields.html"
    field_template_name = "includes/field.html"

    def get_template(self, template_name):
        try:
            return engines["jinja2"].get_template(template_name)
        except TemplateDoesNotExist:
            return engines["django"].get_template(template_name)
