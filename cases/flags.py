"""Customer flags (SPEC §12): a customer who needs particular care. Elderly is derived from a
resident ID's birth date (60 or older on the day the complaint was received) and may also be
entered; the others are entered. The deadline policy may give a flagged case faster stage rules
(cases.deadlines.compute.stage_rules)."""
import datetime

from django.utils.translation import gettext as _

from .inputs import invalid
from .models.case import IdType
from .models.flags import CustomerFlag

ELDERLY_AGE = 60


def resident_birth_date(id_number):
    """The birth date a resident ID number carries (18 digits, or the old 15), else None."""
    number = (id_number or "").strip().upper()
    try:
        if len(number) == 18:
            return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if len(number) == 15 and number.isdigit():
            return datetime.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    return None


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
