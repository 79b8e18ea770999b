"""The template engines' wiring: the Jinja2 environment and the form renderer.

Pages are Django templates (templates/). The markup that the busiest pages render, and that
every form renders many times over, is Jinja2 (jinja2/): the navigation bar of every page
(templates/base.html places it), the bodies of the queue and case pages, the case table, the one field template of every portal form and Django's own widget templates
(their Jinja2 versions, shipped with Django; the three the portal renders most are written out in
jinja2/django/forms/widgets/). TEMPLATES in the settings says why, with the figures.
"""
from functools import lru_cache
from importlib import import_module

from django.conf import settings
from django.forms.renderers import BaseRenderer
from django.template import TemplateDoesNotExist, defaultfilters, engines
from django.template.defaulttags import CsrfTokenNode
from django.template.defaulttags import querystring as django_querystring
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import lazy
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, get_language_info, gettext, ngettext, trans_real
from jinja2 import Environment

from .roles import role_labels


def url(name, *args):
    """``{{ url("case_detail", reference) }}``: Django's {% url %}. An address without arguments
    (the menu's, on every page) is resolved once per script prefix and URL conf."""
    if args:
        return reverse(name, args=args)
    return _fixed_url(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=512)
def _fixed_url(name, prefix, urlconf):
    return reverse(name, urlconf=urlconf)  # reverse() itself adds the current script prefix


@lru_cache(maxsize=1)
def languages():
    """[(code, the language's own name)] of settings.LANGUAGES: the language switch's choices."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def querystring(request, **changes):
    """``{{ querystring(request, page=2) }}``: Django's {% querystring %} on the request's query."""
    return django_querystring(None, request.GET, **changes)


def date(value, format_string=None):
    """``{{ value|date("Y-m-d") }}``: Django's date filter, in local time as a Django template
    shows an aware datetime."""
    return defaultfilters.date(template_localtime(value), format_string)


def render_field(bound_field, **options):
    """One form field through the form renderer's field template (jinja2/includes/field.html),
    with the options it takes: ``wrapper_class`` (instead of ``mb-3``), ``label_class`` (added
    to the label's), ``show_when`` (data-show-when, for portal.js), ``inline`` (choices
    side by side) and ``help=False`` (the help text shown elsewhere). ``{% field %}`` in a Django template, ``field()`` in a Jinja2 one."""
    return bound_field.render(context={"field": bound_field, **options})


def environment(filter_libraries=(), **options):
    """The Jinja2 environment of the "jinja2" engine. Django's translations as ``_("...")`` (with
    ``|format(name=value)`` for a placeholder: makemessages extracts both, as from a Django
    template), ``url()``, ``querystring()``, ``field()``, the ``date`` and ``filesizeformat``
    filters, and the filters of the Django template libraries named in ``filter_libraries``
    (the same functions under the same names)."""
    options.pop("autoescape", None)  # on, whatever the settings say: Django's engine escapes too
    env = Environment(autoescape=True, **options)
    # Django's gettext itself, not jinja2.ext.i18n's: its {% trans %} is not used, and its _()
    # goes through two template calls where this is one.
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.globals.update(url=url, querystring=querystring, field=render_field)
    env.globals.update(languages=languages, current_language=get_language, role_labels=role_labels)
    env.filters.update(date=date, filesizeformat=defaultfilters.filesizeformat)
    for library in filter_libraries:
        env.filters.update(import_module(library).register.filters)
    return env


def page_values(request, csrf_token):
    """What a Jinja2 template placed in a Django page (``{% include_jinja2 %}``) gets besides its
    values: what the Jinja2 engine gives a template rendered with a request (``request``,
    ``csrf_token``, ``csrf_input``), but with the page's own CSRF token (the Django template's:
    the engine masks a new one for each part, 45 µs each), and ``_`` bound to the active
    language's catalogue for the render (the case page looks up about 130 messages: 0.3 µs
    each instead of 2.4 through gettext(), which finds the active language every time)."""
    if request is None:
        return {}
    values = {"request": request}
    if csrf_token is not None:
        values["csrf_token"] = csrf_token
        values["csrf_input"] = _csrf_input({"csrf_token": csrf_token})
    language = get_language()
    if settings.USE_I18N and language is not None:
        # Template messages are literals: none empty, none marked safe, no carriage returns, the
        # cases in which gettext() does more than the catalogue's own lookup.
        values["_"] = values["gettext"] = trans_real.translation(language).gettext
    return values


# {% csrf_token %}'s own markup, from the token given.
_csrf_input = lazy(lambda context: CsrfTokenNode().render(context), SafeString)


class PortalFormRenderer(BaseRenderer):
    """Every form through the Jinja2 engine: ``{{ form }}`` renders jinja2/includes/form_fields.html,
    one field jinja2/includes/field.html (``render_field``), and the widgets Django's Jinja2
    widget templates. A template that exists only for Django's engine (the admin's widgets) is
    taken from there."""

    form_template_name = "includes/form_fields.html"
    field_template_name = "includes/field.html"

    def get_template(self, template_name):
        try:
            return engines["jinja2"].get_template(template_name)
        except TemplateDoesNotExist:
            return engines["django"].get_template(template_name)
