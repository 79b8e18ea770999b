"""The customer's phone and ID numbers: one check for every channel (SPEC §14).

The public form, the clerk's form, the API, intake itself (case_create, which every channel
goes through: also email intake and the demo data) and the legacy import all check a number
here, so a number stored on a case is one the customer can use for the status look-up and a
clerk can dial. Each check returns the number as stored (normalised) or raises InvalidNumber
with the message a form shows; the callers wrap it in their own error type (a form's
ValidationError, the services' ValidationFailed with code ``invalid_phone`` /
``invalid_id_number``, an import's line error).

Formats:
- mobile: 11 digits, 1 then 3–9 (13x–19x), with or without +86 / 0086 / 86;
- landline: area code (010, 02x or a four-digit 0xxx) and a 7- or 8-digit number not starting
  with 0 or 1; spaces, dashes and brackets are dropped (010-6512 3456, (0755)88889999);
- resident ID (居民身份证, GB 11643-1999): 17 digits and a check character (digit or X) that
  matches the ISO 7064 MOD 11-2 checksum, with a real birth date (YYYYMMDD at 7–14) not after
  today and not before 1900; a lower-case x is accepted and stored upper-case;
- passport: 5 to 17 letters and digits (ICAO 9303 document numbers; a Chinese passport is E or
  G and 8 characters);
- mainland travel permit for Hong Kong and Macao residents (港澳居民来往内地通行证): H or M
  and 8 digits (10 on permits issued before 2013);
- other: 4 to 30 letters, digits and dashes.
"""
import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models.case import IdType


class InvalidNumber(ValueError):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:010|02\d|0[3-9]\d{2})[2-9]\d{6,7}$")
PHONE_MESSAGE = _("Enter a mainland China mobile number (11 digits) or a landline with area code.")


def phone_normalise(value):
    """The number as stored (digits only, without the country prefix); None when it is neither
    a mainland mobile nor a landline number."""
    digits = _SEPARATORS.sub("", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None


def phone_clean(value):
    """The stored form of a phone number ("" for none); InvalidNumber when it is not one."""
    if not (value or "").strip():
        return ""
    phone = phone_normalise(value)
    if phone is None:
        raise InvalidNumber(PHONE_MESSAGE)
    return phone


_RESIDENT_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_ID_RULES = {
    IdType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,17}$"), _("A passport number has 5 to 17 letters and digits.")),
    IdType.HK_MACAO: (re.compile(r"^[HM](?:\d{8}|\d{10})$"),
                      _("A Hong Kong or Macao travel permit number is H or M and 8 digits (10 on older permits).")),
    IdType.OTHER: (re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,29}$"), _("An ID number has 4 to 30 letters, digits and dashes.")),
}


def resident_id_check_character(first17):
    """The check character of an 18-character resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    return _CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def resident_id_birth_date(number):
    """The birth date a resident ID number carries, or None when it is not a real date."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _resident_id_clean(number):
    if not _RESIDENT_ID.match(number):
        raise InvalidNumber(_("A resident ID number has 18 characters: 17 digits and a digit or X."))
    born = resident_id_birth_date(number)
    if born is None or born.year < 1900 or born > timezone.localdate():
        raise InvalidNumber(_("The birth date in this resident ID number is not a real date."))
    if number[17] != resident_id_check_character(number[:17]):
        raise InvalidNumber(_("This resident ID number is mistyped: its last character does not match."))
    return number


def id_number_clean(id_type, value):
    """The stored form of an ID number of ``id_type`` ("" for none); InvalidNumber when it does
    not follow that type's rules. A number without a type is refused: it could not be checked."""
    number = re.sub(r"\s", "", value or "").upper()
    if not number:
        return ""
    if not id_type:
        raise InvalidNumber(_("Choose the type of the ID you entered."))
    if id_type == IdType.RESIDENT_ID:
        return _resident_id_clean(number)
    pattern, message = _ID_RULES[id_type]
    if not pattern.match(number):
        raise InvalidNumber(message)
    return number


def customer_numbers_check(data):
    """Normalise ``data``'s customer_phone and customer_id_number in place (a dict of intake
    fields) and return {field: message} for the numbers that fail their rules."""
    errors = {}
    try:
        data["customer_phone"] = phone_clean(data.get("customer_phone"))
    except InvalidNumber as exc:
        errors["customer_phone"] = exc.message
    id_type = data.get("customer_id_type") or ""
    try:
        data["customer_id_number"] = id_number_clean(id_type, data.get("customer_id_number"))
    except InvalidNumber as exc:
        errors["customer_id_number" if id_type else "customer_id_type"] = exc.message
    return errors
