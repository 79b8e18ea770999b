"""Celery tasks of the triage suggestions: thin and idempotent."""
import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


# Training reads every closed case and fits for up to minutes (bench/triage.py: about a minute
# at 20,000 cases): longer limits than the project's default four minutes.
@shared_task(soft_time_limit=1800, time_limit=1900)
def triage_monthly_retrain():
    """Retrain the triage classifiers once per calendar month (cases.triage.services).

    Safe to run twice: a second run in the same month finds the month's version and does
    nothing. Returns the new version number, or None."""
    from .services import triage_monthly_retrain as retrain

    model = retrain()
    return model.version if model else None


@shared_task
def triage_record_suggestion(case_id, chosen):
    """Record the suggestion of a case just registered from the intake form, with the clerk's
    choices as registered (cases.triage.services.triage_suggestion_record).

    Safe to run twice: one record per case; a second run returns the first."""
    from .services import triage_suggestion_record

    record = triage_suggestion_record(case_id=case_id, chosen=chosen)
    return record.pk if record else None


def record_suggestion_after_commit(*, case, chosen):
    """After the clerk registered `case` from the form: queue triage_record_suggestion once the
    registration is committed. `chosen` is {target: the clerk's final value or ""}.

    Off the request: recorded in-line, the record's insert and commit added some 7–12 ms to a
    12–22 ms registration on PostgreSQL; queueing the task costs under a millisecond
    (bench/triage.py). Should the broker be unreachable, the record is written in-line instead,
    so that no registration loses it."""
    case_id = case.pk

    def queue():
        try:
            triage_record_suggestion.delay(case_id, chosen)
        except Exception as exc:  # broker unreachable: the same work, in this request
            from .services import triage_suggestion_record

            logger.warning("triage: suggestion of case %s not queued (%s); recorded in-line", case_id, exc)
            triage_suggestion_record(case_id=case_id, chosen=chosen)

    transaction.on_commit(queue, robust=True)
