"""The input of an action, declared once on its row: the same fields give the HTML form, the
API body and schema, and the service's check (``clean``: missing required fields named in
one error, choices checked, values converted). Every date and time is checked against the
case (SPEC §3): never after today (a time: now), never before its field's ``since``; else
``date_out_of_range`` (400), shown on the field by the page and in ``extra.fields`` by the API."""
import datetime
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ValidationFailed

from .. import groups
from ..inputs import choice, invalid, require, to_amount, to_bool, to_date, to_datetime

TEXT, CHOICE, FLAG, DATE, DATETIME, AMOUNT, NAMES = "text", "choice", "flag", "date", "datetime", "amount", "names"
COUNT, PEOPLE = "count", "people"  # a whole number of at least 1; names with phone numbers (cases.groups)


@dataclass(frozen=True)
class Field:
    """One input of an action. ``choices``: None for a name the handler resolves; ``options(case,
    access)``: the form's choices when they depend on the case; ``initial``: a value or a
    function of the case; ``lines``: textarea height; ``attest``: a flag or names the form
    requires ticked; ``since(case)``: for a date or time, ``(earliest value, what it is)``."""

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
    since: Any = None
    future: bool = False  # a date ahead (a due date): no upper bound


# The kinds of field, as the table's rows name them: text(name, label, ...) and so on.
text = partial(Field, kind=TEXT, required=True, lines=2)  # a few lines
line = partial(Field, kind=TEXT, required=True, max_length=200)  # one line
pick = partial(Field, kind=CHOICE, required=True)
flag = partial(Field, kind=FLAG)
date = partial(Field, kind=DATE)
moment = partial(Field, kind=DATETIME)
amount = partial(Field, kind=AMOUNT)
names = partial(Field, kind=NAMES)
count = partial(Field, kind=COUNT)
people = partial(Field, kind=PEOPLE)


_CONVERT = {DATE: to_date, DATETIME: to_datetime, FLAG: to_bool, AMOUNT: to_amount,
            COUNT: lambda value, name: groups.complainant_count_checked(value, name),
            PEOPLE: lambda value, name, case=None: groups.representatives_checked(
                value, name, current=case.representatives if case is not None else ())}


# A time a few minutes ahead of the server's clock is a clock difference, not a claim about the future.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def window(field, case, now):
    """(earliest, latest) a date or time ``field`` may take on ``case`` at ``now``; earliest is
    None when the field has no ``since``."""
    earliest = field.since(case)[0] if field.since is not None else None
    if field.kind == DATE:
        if isinstance(earliest, datetime.datetime):
            earliest = timezone.localdate(earliest)
        return earliest, None if field.future else timezone.localdate(now)
    if isinstance(earliest, datetime.date) and not isinstance(earliest, datetime.datetime):
        earliest = timezone.make_aware(datetime.datetime.combine(earliest, datetime.time.min))
    return earliest, now + CLOCK_SKEW


def _shown(value):
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    return value.isoformat()


def check_window(field, value, case, now):
    """Refuse (``date_out_of_range``) a date or time outside the field's window on ``case``."""
    earliest, latest = window(field, case, now)
    shown_latest = _shown(now if field.kind == DATETIME else latest) if latest is not None else None
    if latest is not None and value > latest:
        message = _("%(field)s cannot be in the future (latest: %(latest)s).") % {
            "field": field.label, "latest": shown_latest}
    elif earliest is not None and value < earliest:
        message = _("%(field)s cannot be before %(what)s (%(earliest)s).") % {
            "field": field.label, "what": field.since(case)[1], "earliest": _shown(earliest)}
    else:
        return
    raise ValidationFailed(message, code="date_out_of_range", extra={
        "fields": {field.name: [message]}, "earliest": earliest and _shown(earliest), "latest": shown_latest})


def clean(fields, data, case=None, now=None):
    """``data`` checked against ``fields``: the missing required ones named in one
    ValidationFailed, choices checked, values converted, and, given the ``case`` (and the
    moment ``now`` of the act), every date and time checked against its window. Keys the
    action does not declare pass through untouched (handlers ignore them)."""
    require(data, *(f.name for f in fields if f.required))
    cleaned = dict(data)
    for field in fields:
        value = data.get(field.name)
        if value in (None, "", []):
            cleaned.pop(field.name, None)
        elif field.kind == CHOICE and field.choices is not None:
            cleaned[field.name] = choice(data, field.name, field.choices)
        elif field.kind == NAMES:
            if not isinstance(value, (str, list, tuple)):
                raise invalid(field.name, _("%(field)s must be a list of user names.") % {"field": field.name},
                              _("A list of user names."))
            values = [value] if isinstance(value, str) else value
            cleaned[field.name] = list(dict.fromkeys(str(v) for v in values if v))
        elif field.kind == TEXT and field.max_length and len(str(value)) > field.max_length:
            raise invalid(field.name, _("%(field)s is longer than %(limit)d characters.")
                          % {"field": field.name, "limit": field.max_length}, _("Too long."))
        elif field.kind == PEOPLE:  # a masked phone stands for the case's stored one
            cleaned[field.name] = _CONVERT[PEOPLE](value, field.name, case)
        elif field.kind in _CONVERT:
            cleaned[field.name] = _CONVERT[field.kind](value, field.name)
            if field.kind in (DATE, DATETIME) and case is not None:
                check_window(field, cleaned[field.name], case, now or timezone.now())
    return cleaned
