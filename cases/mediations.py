"""Mediation's one rule beside its actions (SPEC §11): an agreement not performed by its due
date notifies the supervisors, once per mediation — from the deadline sweep when the date
passes, or from mediation_performed when the performance comes late before the sweep saw it."""
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common import roles

from .models import Mediation
from .notifications import notify, users_with_role

UNPERFORMED = {"outcome": Mediation.Outcome.AGREEMENT, "performed_on__isnull": True}


def late_performance_notify(mediation, now):
    """Tell the supervisors that ``mediation``'s agreement was not performed by its due date,
    unless they were told already (a conditional update claims it). Returns the number of
    notifications created."""
    claimed = Mediation.objects.filter(pk=mediation.pk, overdue_notified_at__isnull=True).update(
        overdue_notified_at=now)
    if not claimed:
        return 0
    subject = _("Mediation agreement not performed by %(due)s: %(ref)s") % {
        "due": mediation.performance_due.isoformat(), "ref": mediation.case.reference}
    sent = 0
    for user in users_with_role(roles.SUPERVISOR):
        _row, created = notify(user, "mediation_overdue", subject, body=mediation.organisation, case=mediation.case,
                               dedupe_key=f"mediation_overdue:{mediation.pk}:{user.pk}")
        sent += created
    return sent


def overdue_agreements(today):
    """Agreements whose performance date has passed, unperformed, the supervisors not yet told."""
    return Mediation.objects.filter(**UNPERFORMED, performance_due__lt=today, overdue_notified_at__isnull=True
                                    ).select_related("case").order_by("performance_due", "pk")


def sweep_overdue_agreements(now=None):
    """The sweep's step: notify the supervisors of each agreement newly past its date."""
    now = now or timezone.now()
    sent = 0
    for mediation in overdue_agreements(timezone.localdate(now)):
        sent += late_performance_notify(mediation, now)
    return sent
