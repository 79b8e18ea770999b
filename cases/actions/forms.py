"""The HTML form of an action, built from its row: it shapes and pre-checks the input, and
`to_data()` is the `data` case_transition takes (the API feeds the same service)."""
from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.forms import DateInput, DateTimeInput, StyledForm

from .. import groups
from .fields import AMOUNT, CHOICE, COUNT, DATE, DATETIME, FLAG, NAMES, PEOPLE, TEXT
from .table import ACTIONS, bulk_rows

YES_NO = [("true", _("Yes")), ("false", _("No"))]
BLANK = ("", "—")


class ActionForm(StyledForm):
    """Base of every action form: carries the case version so a stale form is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    row = None  # the action's row; its title, button_class and confirm are the row's too

    def __init__(self, data=None, *, case, access, prefix=None, options=None):
        self.case = case
        super().__init__(data, prefix=prefix)
        if case is None:  # the cases ticked in a queue: each is locked and checked in turn
            self.fields["version"].required = False
        elif not self.is_bound:
            self.initial["version"] = case.version
        # Per provider: the team's lead and members offer the same staff. Without a case (the bulk
        # forms, which share ``options``) a provider's variants offer the same choices too.
        options = {} if options is None else options
        for spec in self.row.fields:
            field = self.fields[spec.name]
            if spec.options is not None:
                key = spec.options if case is not None else getattr(spec.options, "func", spec.options)
                if key not in options:
                    options[key] = list(spec.options(case, access))
                field.choices = [BLANK, *options[key]] if spec.kind == CHOICE else options[key]
            initial = spec.initial if not callable(spec.initial) else spec.initial(case) if case else None
            if spec.kind == PEOPLE and initial is not None:
                initial = groups.as_lines(initial)
            if initial is not None:
                field.initial = ("true" if initial else "false") if _is_yes_no(spec) else initial

    def to_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in (None, "")}


def _is_yes_no(spec):
    """A required flag is asked as yes/no: a checkbox left empty would answer "no" unasked."""
    return spec.kind == FLAG and spec.required


def _form_field(spec):
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help}
    if spec.kind == TEXT:
        widget = forms.Textarea(attrs={"rows": spec.lines}) if spec.lines else None
        return forms.CharField(max_length=spec.max_length, widget=widget, **common)
    if spec.kind == CHOICE:
        choices = list(spec.choices.choices) if spec.choices is not None else []
        if not spec.required and spec.initial is None:
            choices = [BLANK, *choices]
        return forms.ChoiceField(choices=choices, **common)
    if spec.kind == FLAG:
        if _is_yes_no(spec):
            return forms.TypedChoiceField(choices=YES_NO, coerce=lambda v: v == "true", widget=forms.RadioSelect,
                                          **common)
        return forms.BooleanField(**{**common, "required": spec.attest})
    if spec.kind == DATE:
        return forms.DateField(widget=DateInput(), **common)
    if spec.kind == DATETIME:
        return forms.DateTimeField(widget=DateTimeInput(), **common)
    if spec.kind == AMOUNT:
        return forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, **common)
    if spec.kind == NAMES:
        return forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, **{**common, "required": spec.required
                                                                                  or spec.attest})
    if spec.kind == COUNT:
        return forms.IntegerField(min_value=1, **common)
    if spec.kind == PEOPLE:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": groups.MAX_REPRESENTATIVES}), **common)
    raise ValueError(f"no form field for {spec.kind}")


@cache
def form_class(row):
    """The form class of ``row`` (built once per row)."""
    attrs = {spec.name: _form_field(spec) for spec in row.fields}
    return type(f"{row.name.title().replace('_', '')}Form", (ActionForm,),
                {"row": row, "title": row.title, "button_class": row.button, "confirm": row.confirm, **attrs})


def action_form(name, data=None, *, case, access):
    """The form of the public action ``name`` for ``case`` as ``access`` sees it (choices and
    initial values may depend on both), bound to ``data`` when given."""
    return form_class(ACTIONS[name])(data, case=case, access=access)


def bulk_forms(access, data=None):
    """The form of each bulk action ``access`` may do, prefixed by its name: choices any case
    offers, the permission asked without a case; the service checks each case in full."""
    shared = {}  # the department choices of assign and reassign, read once
    return {row.name: form_class(row)(data, case=None, access=access, prefix=row.name, options=shared)
            for row in bulk_rows() if row.may(access, None, {})}
