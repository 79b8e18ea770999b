"""Substitutes for absent colleagues (SPEC §14): on the days of an absence (cases.models.Absence)
the deadline reminders and escalations meant for the absent colleague also reach their
substitute, who can act on the case in their place as far as their own role allows."""
from .models import Absence


def substitutes_on(day, user_ids=None):
    """{absent user's id: their active substitutes, in the order the absences were recorded} for
    the absences covering ``day`` (of ``user_ids``; None: everyone's, read once for a sweep)."""
    absences = Absence.objects.filter(start__lte=day, end__gte=day, substitute__is_active=True)
    if user_ids is not None:
        absences = absences.filter(user_id__in=user_ids)
    found = {}
    for absence in absences.select_related("substitute").order_by("user_id", "pk"):
        found.setdefault(absence.user_id, []).append(absence.substitute)
    return found


def with_substitutes(users, day, absent=None):
    """``users`` followed by the substitutes of those absent on ``day``, each person once.
    ``absent``: ``substitutes_on(day)`` already read (the sweep reads it once per run)."""
    users = list(users)
    ids = {user.pk for user in users}
    if absent is None:
        absent = substitutes_on(day, ids)
    for user_id in sorted(ids & absent.keys()):
        for substitute in absent[user_id]:
            if substitute.pk not in ids:
                ids.add(substitute.pk)
                users.append(substitute)
    return users
