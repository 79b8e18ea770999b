"""Checks and conversions of the services' input: tasks, commands and tests pass plain values,
so the services check again here; every failure is one ValidationFailed naming its fields."""
import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ValidationFailed

TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no")


def invalid(name, message, field_message):
    return ValidationFailed(message, extra={"fields": {name: [field_message]}})


def require(data, *names):
    """Raise one ValidationFailed naming every missing field."""
    missing = [n for n in names if data.get(n) in (None, "", [])]
    if missing:
        raise ValidationFailed(
            _("Required: %(fields)s") % {"fields": ", ".join(missing)},
            extra={"fields": {n: [_("This field is required.")] for n in missing}},
        )


def choice(data, name, choices, *, required=True, default=""):
    value = data.get(name, default)
    if value in (None, ""):
        if required:
            require(data, name)
        return default
    valid = [c.value if hasattr(c, "value") else c for c in choices]
    if value not in valid:
        raise invalid(name, _("%(field)s: '%(value)s' is not one of %(valid)s")
                      % {"field": name, "value": value, "valid": ", ".join(valid)}, _("Not a valid choice."))
    return value


def to_date(value, name):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise invalid(name, _("%(field)s is not a valid date (YYYY-MM-DD).") % {"field": name}, _("Invalid date."))
    return parsed


def to_datetime(value, name):
    """An aware datetime; a naive one is taken as local time."""
    parsed = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if parsed is None:
        raise invalid(name, _("%(field)s is not a valid date and time.") % {"field": name},
                      _("Invalid date and time."))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def to_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    raise invalid(name, _("%(field)s must be true or false.") % {"field": name}, _("Must be true or false."))


def to_amount(value, name):
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise invalid(name, _("%(field)s is not a valid amount.") % {"field": name}, _("Invalid amount."))
    return amount
