"""The case timeline as a reader sees it: each event with its details, values by their label,
departments by their name and people by their name, in the reader's language.

Event data keeps codes and usernames (the API's history returns them as they are, a contract);
this module turns them into words for the page, with two queries for the whole timeline (the
departments and the people the events name), not one per event.
"""
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from .models import CaseEvent, Decision, Department
from .models.case import RootCause
from .models.deadlines import Tier

# Event data keys worth showing on the timeline, with their labels (lazy: translated when shown,
# in the reader's language, not once at import). Event data never holds personal data
# (cases/events.py), so showing it is safe.
EVENT_KEYS = {
    "department": _("department"),
    "from": _("from"),
    "to": _("to"),
    "reason": _("reason"),
    "lead": _("lead"),
    "members": _("members"),
    "method": _("method"),
    "root_cause": _("root cause"),
    "into": _("into"),
    "duplicate": _("duplicate"),
    "round": _("round"),
    "retention_until": _("retain until"),
    "start": _("start"),
    "end": _("end"),
    "sent_at": _("sent at"),
    "attempt": _("attempt"),
    "at": _("at"),
}
DEPARTMENT_KEYS = {"department": None, "from": "reassign", "to": "reassign"}  # key -> the kind it is a department in
PEOPLE_KEYS = ("lead", "members")
DATE_KEYS = {"retention_until", "start", "end", "sent_at", "at"}
CHOICES = {"method": Decision.Method, "root_cause": RootCause}


@dataclass(frozen=True)
class Names:
    """Names of the departments (by code) and people (by username) that events mention."""

    departments: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    @classmethod
    def of(cls, events):
        codes, usernames = set(), set()
        for event in events:
            data = event.data or {}
            for key, kind in DEPARTMENT_KEYS.items():
                if data.get(key) and (kind is None or event.kind == kind):
                    codes.add(data[key])
            for key in PEOPLE_KEYS:
                value = data.get(key)
                usernames.update(value if isinstance(value, list) else [value] if value else [])
        departments = dict(Department.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
        people = {}
        if usernames:
            for user in get_user_model().objects.filter(username__in=usernames):
                people[user.username] = user.get_full_name() or user.username
        return cls(departments, people)


@dataclass(frozen=True)
class Entry:
    event: CaseEvent
    details: list  # [(label, value)]


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _local_date(value):
    parsed = parse_date(value) if isinstance(value, str) else None
    return formats.date_format(parsed, "Y-m-d") if parsed else value


def _value(event, key, value, names):
    if isinstance(value, list):
        return ", ".join(str(_value(event, key, v, names)) for v in value)
    if key in DEPARTMENT_KEYS and (DEPARTMENT_KEYS[key] is None or event.kind == DEPARTMENT_KEYS[key]):
        return names.departments.get(value, value)
    if key in PEOPLE_KEYS:
        return names.people.get(value, value)
    if event.kind == "extend" and key in ("from", "to"):
        return _label(Tier, value)
    if key in CHOICES:
        return _label(CHOICES[key], value)
    if key in DATE_KEYS or key in ("from", "to"):
        return _local_date(value)
    return value


def event_details(event, names=None):
    """[(label, value)] of the event's data, in the active language."""
    names = names if names is not None else Names.of([event])
    rows = []
    for key, label in EVENT_KEYS.items():
        value = (event.data or {}).get(key)
        if value in (None, "", []):
            continue
        rows.append((str(label), str(_value(event, key, value, names))))
    return rows


def case_timeline(events):
    """The timeline entries of ``events`` (cases.selectors.case_events), oldest first."""
    events = list(events)
    names = Names.of(events)
    return [Entry(event, event_details(event, names)) for event in events]
