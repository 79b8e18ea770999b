"""Presentation helpers for case pages: labels, masking, due-date states."""
import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines, timeline
from ..actions.table import event_label
from ..fields import mask_phone
from ..models.case import Category, Channel, Status
from ..models.deadlines import Stage, Tier
from ..models.flags import CustomerFlag

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
def flag_labels(codes):
    """The labels of a case's customer flags (``case.flags``)."""
    return [_label(CustomerFlag, code) for code in codes]


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
        if deadline.due_at is not None:  # counted in hours (the emergency report): met by its moment
            return "met_late" if deadline.met_at > deadline.due_at else "met"
        met_on = timezone.localdate(deadline.met_at)
        return "met_late" if met_on > deadline.due_on else "met"
    if deadline.stopped_at:
        return "stopped"
    if deadline.due_at is not None and deadline.due_at < timezone.now():
        return "overdue"
    return due_state(deadline.due_on) or "open"


@register.filter
def user_label(user):
    if user is None:
        return _("System / customer")
    return user.get_full_name() or user.get_username()


@register.filter
def event_details(event):
    """[(label, value)] of one event's data (cases.timeline; the case page uses case_timeline)."""
    return timeline.event_details(event)
