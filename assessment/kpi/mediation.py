"""The mediation figures of a period (SPEC §11), defined once: the dashboard and the monthly
department reports show them.

- started: mediations started in the period (by ``as_of``);
- ended / agreements: mediations that ended in the period / of them, with an agreement;
- agreement_rate: 100 × agreements ÷ ended (one place; N/A when none ended);
- performed_on_time: agreements of the period performed on or before their due date;
- unperformed_overdue: agreements (of any period) past their due date and not performed as of
  ``as_of``: what the supervisor is told about and the dashboard shows.
"""
from django.db.models import Count, F, Q

from cases.models import Mediation

from .calculations import rate

AGREEMENT = Mediation.Outcome.AGREEMENT
RATE_PLACES = 1


def mediation_figures(period, as_of, departments=None):
    """{started, ended, agreements, agreement_rate, performed_on_time, unperformed_overdue}."""
    end = min(period.end, as_of)
    rows = Mediation.objects.all()
    if departments is not None:
        rows = rows.filter(case__department__in=departments)
    ended = Q(ended_on__gte=period.start, ended_on__lte=end)
    agreed = ended & Q(outcome=AGREEMENT)
    figures = rows.aggregate(
        started=Count("pk", filter=Q(started_on__gte=period.start, started_on__lte=end)),
        ended=Count("pk", filter=ended),
        agreements=Count("pk", filter=agreed),
        performed_on_time=Count("pk", filter=agreed & Q(performed_on__lte=F("performance_due"))
                                & Q(performed_on__lte=as_of)),
        unperformed_overdue=Count("pk", filter=Q(outcome=AGREEMENT, performance_due__lt=as_of, ended_on__lte=as_of)
                                  & (Q(performed_on__isnull=True) | Q(performed_on__gt=as_of))),
    )
    figures["agreement_rate"] = rate(figures["agreements"], figures["ended"], RATE_PLACES)
    return figures
