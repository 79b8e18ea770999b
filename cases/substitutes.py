"""Substitutes for absent colleagues (SPEC §14): on the days of an absence (cases.models.Absence)
the deadline reminders and escalations meant for the absent colleague also reach their
substitute, who can act on the case in their place as far as their own role allows."""
from .models import Absence


def with_substitutes(users, day):
    """``users`` followed by the substitutes of those absent on ``day``, each person once."""
    users = list(users)
    ids = {user.pk for user in users}
    absences = (Absence.objects.filter(user_id__in=ids, start__lte=day, end__gte=day, substitute__is_active=True)
                .select_related("substitute").order_by("user_id", "pk"))
    for absence in absences:
        if absence.substitute_id not in ids:
            ids.add(absence.substitute_id)
            users.append(absence.substitute)
    return users
