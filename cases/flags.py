"""Customer flags (SPEC §12): a customer who needs particular care. Elderly is derived from a
resident ID's birth date (60 or older on the day the complaint was received) and may also be
entered; the others are entered. The deadline policy may give a flagged case faster stage rules
(cases.deadlines.compute.stage_rules)."""

from django.utils.translation import gettext as _

from .identity import resident_id_birth_date
from .inputs import invalid
from .models.case import IdType
from .models.flags import CustomerFlag

ELDERLY_AGE = 60


def resident_birth_date(id_number):
    """The birth date a resident ID number carries (18 characters, or the old 15 digits), else None."""
    number = (id_number or "").strip().upper()
    if len(number) == 15 and number.isdigit():
        number = f"{number[:6]}19{number[6:]}"
    return resident_id_birth_date(number) if len(number) >= 17 else None


def is_elderly(id_type, id_number, on):
    """True when a resident ID says its holder was 60 or older on ``on``."""
    if id_type != IdType.RESIDENT_ID:
        return False
    born = resident_birth_date(id_number)
    if born is None:
        return False
    return (on.year - born.year - ((on.month, on.day) < (born.month, born.day))) >= ELDERLY_AGE


def checked(values, name="customer_flags"):
    """The flag codes of ``values`` (a list or a comma-separated text) in their order of
    definition; an unknown code is a ValidationFailed naming the field."""
    if isinstance(values, str):
        values = values.split(",")
    codes = {str(v).strip() for v in values or () if str(v).strip()}
    unknown = codes - set(CustomerFlag.values)
    if unknown:
        raise invalid(name, _("Unknown customer flag: %(flags)s") % {"flags": ", ".join(sorted(unknown))},
                      _("Not a valid choice."))
    return [code for code in CustomerFlag.values if code in codes]


def stored(codes):
    return ",".join(codes)


def at_intake(values, id_type, id_number, received_on):
    """The flags of a new case: those entered, and elderly when the resident ID says so."""
    codes = checked(values)
    if is_elderly(id_type, id_number, received_on) and CustomerFlag.ELDERLY not in codes:
        codes = checked([*codes, CustomerFlag.ELDERLY])
    return stored(codes)
