"""Presentation helpers for case pages: labels, masking, due-date states."""
import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import deadlines
from ..actions.table import event_label
from ..fields import mask_phone
from ..models.case import Category, Channel, Status
from ..models.deadlines import Stage, Tier

register = template.Library()


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


@register.filter
def status_label(value):
    return _label(Status, value)


@register.filter
def stage_label(value):
    return _label(Stage, value)


@register.filter
def tier_label(value):
    return _label(Tier, value)


@register.filter
def channel_label(value):
    return _label(Channel, value)


@register.filter
def category_label(value):
    return _label(Category, value)


@register.filter
def masked_phone(value):
    return mask_phone(value)


@register.filter
def kind_label(kind):
    return event_label(kind)


@register.filter
def due_state(due_on, met_at=None):
    """'overdue', 'soon' or '' for a due date that is still open (cases.deadlines.due_state)."""
    if met_at:
        return ""
    return deadlines.due_state(due_on.date() if isinstance(due_on, datetime.datetime) else due_on)


@register.filter
def deadline_state(deadline):
    """State of one CaseDeadline row: met on time, met late, stopped, overdue, due soon, open."""
    if deadline.met_at:
        met_on = timezone.localdate(deadline.met_at)
        return "met_late" if met_on > deadline.due_on else "met"
    if deadline.stopped_at:
        return "stopped"
    return due_state(deadline.due_on) or "open"


@register.filter
def user_label(user):
    if user is None:
        return _("System / customer")
    return user.get_full_name() or user.get_username()


# Event data keys worth showing on the timeline, with their labels (lazy: translated when shown,
# in the reader's language, not once at import). Event data never holds
# personal data (cases/events.py), so showing it is safe.
_EVENT_KEYS = {
    "department": gettext_lazy("department"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "reason": gettext_lazy("reason"),
    "lead": gettext_lazy("lead"),
    "members": gettext_lazy("members"),
    "method": gettext_lazy("method"),
    "into": gettext_lazy("into"),
    "duplicate": gettext_lazy("duplicate"),
    "round": gettext_lazy("round"),
    "retention_until": gettext_lazy("retain until"),
    "start": gettext_lazy("start"),
    "end": gettext_lazy("end"),
    "sent_at": gettext_lazy("sent at"),
    "attempt": gettext_lazy("attempt"),
    "at": gettext_lazy("at"),
}


@register.filter
def event_details(event):
    """[(label, value)] of the event data for the timeline."""
    rows = []
    for key, label in _EVENT_KEYS.items():
        value = (event.data or {}).get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if event.kind == "extend" and key in ("from", "to"):
            value = tier_label(value)
        rows.append((str(label), value))
    return rows
