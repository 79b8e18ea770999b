"""Group complaints (SPEC §12): how many customers complain together, and at most five
representatives who speak for them, each with a name and a phone number checked as the
customer's is (cases.identity). One check for the intake form, the API intake, case_create and
the set_group action: each raises ValidationFailed naming the field."""
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ValidationFailed

from .fields import mask_phone
from .identity import InvalidNumber, phone_clean
from .inputs import invalid

MAX_REPRESENTATIVES = 5
NAME_LIMIT = 100


class TooManyRepresentatives(ValidationFailed):
    code = "too_many_representatives"


def complainant_count_checked(value, name="complainant_count"):
    """The number of complainants as an int of at least 1 (empty: 1, a single customer)."""
    if value in (None, ""):
        return 1
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if count < 1 or isinstance(value, bool):
        raise invalid(name, _("%(field)s must be a whole number of at least 1.") % {"field": name},
                      _("At least 1."))
    return count


def _parsed_lines(text):
    """Representatives written one per line as "name, phone" (the staff forms' textarea)."""
    people = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, phone = line.replace("，", ",").rpartition(",")
        if not _sep:
            name, phone = line, ""
        people.append({"name": name.strip(), "phone": phone.strip()})
    return people


def representatives_checked(value, name="representatives", current=()):
    """The representatives as stored: [{"name", "phone"}] with normalised phones, at most five.
    ``value``: a list of {"name", "phone"} (the API) or a text of "name, phone" lines (the forms).
    A phone given masked (as the set_group form and the API show it) keeps the stored number of
    the ``current`` representative with that name and mask, so that nobody needs to see a full
    number to change the count. Raises ``too_many_representatives``, ``invalid_phone`` or
    ``invalid`` (400)."""
    known = {(p["name"], mask_phone(p["phone"])): p["phone"] for p in current or ()}
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = _parsed_lines(value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, dict) for p in value):
        raise invalid(name, _("%(field)s must be a list of names and phone numbers.") % {"field": name},
                      _("A list of names and phone numbers."))
    if len(value) > MAX_REPRESENTATIVES:
        message = _("A group complaint has at most %(max)d representatives (%(count)d given).") % {
            "max": MAX_REPRESENTATIVES, "count": len(value)}
        raise TooManyRepresentatives(message, extra={"fields": {name: [message]}, "max": MAX_REPRESENTATIVES})
    people = []
    for number, person in enumerate(value, start=1):
        person_name = str(person.get("name") or "").strip()
        if not person_name or len(person_name) > NAME_LIMIT:
            message = _("Representative %(n)d needs a name of at most %(limit)d characters.") % {
                "n": number, "limit": NAME_LIMIT}
            raise invalid(name, message, message)
        given = str(person.get("phone") or "").strip()
        if (person_name, given) in known:
            people.append({"name": person_name, "phone": known[(person_name, given)]})
            continue
        try:
            phone = phone_clean(given)
        except InvalidNumber as exc:
            message = _("Representative %(n)d: %(error)s") % {"n": number, "error": exc.message}
            raise ValidationFailed(message, code="invalid_phone", extra={"fields": {name: [message]}}) from None
        if not phone:
            message = _("Representative %(n)d needs a phone number.") % {"n": number}
            raise invalid(name, message, message)
        people.append({"name": person_name, "phone": phone})
    return people


def as_lines(people):
    """The representatives as the forms' textarea shows them ("name, phone" per line)."""
    return "\n".join(f"{p['name']}, {p['phone']}" for p in people or ())


def masked(people):
    """The representatives with their phones masked (as the customer's, SPEC §1)."""
    return [{"name": p["name"], "phone": mask_phone(p["phone"])} for p in people or ()]
