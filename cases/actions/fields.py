"""The input of an action, declared once on its row: the same fields give the HTML form, the
API body and schema, and the service's check (``clean``: missing required fields named in
one error, choices checked, values converted)."""
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from ..inputs import choice, invalid, require, to_amount, to_bool, to_date, to_datetime

TEXT, CHOICE, FLAG, DATE, DATETIME, AMOUNT, NAMES = "text", "choice", "flag", "date", "datetime", "amount", "names"


@dataclass(frozen=True)
class Field:
    """One input of an action. ``choices``: None for a name the handler resolves; ``options(case,
    access)``: the form's choices when they depend on the case; ``initial``: a value or a
    function of the case; ``lines``: textarea height; ``attest``: a flag the form requires ticked."""

    name: str
    label: Any
    kind: str = TEXT
    required: bool = False
    choices: Any = None
    options: Any = None
    initial: Any = None
    lines: int = 0
    max_length: int | None = None
    help: Any = ""
    attest: bool = False


# The kinds of field, as the table's rows name them: text(name, label, ...) and so on.
text = partial(Field, kind=TEXT, required=True, lines=2)  # a few lines
line = partial(Field, kind=TEXT, required=True, max_length=200)  # one line
pick = partial(Field, kind=CHOICE, required=True)
flag = partial(Field, kind=FLAG)
date = partial(Field, kind=DATE)
moment = partial(Field, kind=DATETIME)
amount = partial(Field, kind=AMOUNT)
names = partial(Field, kind=NAMES)


_CONVERT = {DATE: to_date, DATETIME: to_datetime, FLAG: to_bool, AMOUNT: to_amount}


def clean(fields, data):
    """``data`` checked against ``fields``: the missing required ones named in one
    ValidationFailed, choices checked, values converted. Keys the action does not declare
    pass through untouched (handlers ignore them)."""
    require(data, *(f.name for f in fields if f.required))
    cleaned = dict(data)
    for field in fields:
        value = data.get(field.name)
        if value in (None, ""):
            cleaned.pop(field.name, None)
        elif field.kind == CHOICE and field.choices is not None:
            cleaned[field.name] = choice(data, field.name, field.choices)
        elif field.kind == NAMES:
            values = [value] if isinstance(value, str) else value
            cleaned[field.name] = list(dict.fromkeys(str(v) for v in values if v))
        elif field.kind == TEXT and field.max_length and len(str(value)) > field.max_length:
            raise invalid(field.name, _("%(field)s is longer than %(limit)d characters.")
                          % {"field": field.name, "limit": field.max_length}, _("Too long."))
        elif field.kind in _CONVERT:
            cleaned[field.name] = _CONVERT[field.kind](value, field.name)
    return cleaned
