from django.utils.translation import gettext as _

from complaints_portal.common.errors import ValidationFailed


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
        raise ValidationFailed(
            _("%(field)s: '%(value)s' is not one of %(valid)s") % {"field": name, "value": value, "valid": ", ".join(valid)},
            extra={"fields": {name: [_("Not a valid choice.")]}},
        )
    return value
