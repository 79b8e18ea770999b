"""A user's saved filters of the all-cases list: read, save under a name, delete.

A saved filter is the list's query string rebuilt from the validated filter form (filters and
sort only): never the search text, which may be a phone or ID number, and nothing a user typed
into the URL beyond what the form accepts.
"""
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.errors import NotFound, ValidationFailed

from .models import SavedFilter

MAX_PER_USER = 20
SAVED_FIELDS = ("status", "category", "channel", "department", "overdue", "due_soon", "major", "sort")


class TooManySavedFilters(ValidationFailed):
    code = "saved_filters_full"
    default_message = _("You have 20 saved filters; delete one first.")


def saved_filter_list(user):
    """The user's saved filters, by name."""
    return list(SavedFilter.objects.filter(user=user).only("pk", "name", "query"))


def saved_query(form):
    """The query string of a valid CaseFilterForm's filters and sort (no search text)."""
    query = QueryDict(mutable=True)
    for name in SAVED_FIELDS:
        value = form.cleaned_data.get(name) if name in form.fields else None
        if value:
            query[name] = "on" if value is True else value
    return query.urlencode()


@transaction.atomic
def saved_filter_save(user, name, form):
    """Save the filters of ``form`` (a valid CaseFilterForm) as ``name``; the same name again
    replaces the earlier filter. Returns the SavedFilter."""
    name = name.strip()[:60]
    if not name:
        raise ValidationFailed(_("Give the filter a name."), extra={"fields": {"name": ["required"]}})
    existing = SavedFilter.objects.select_for_update().filter(user=user)
    if not existing.filter(name=name).exists() and existing.count() >= MAX_PER_USER:
        raise TooManySavedFilters()
    saved, _created = SavedFilter.objects.update_or_create(user=user, name=name,
                                                           defaults={"query": saved_query(form)})
    return saved


def saved_filter_delete(user, pk):
    """Delete one of the user's saved filters; another user's is NotFound, like a missing one."""
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound()
