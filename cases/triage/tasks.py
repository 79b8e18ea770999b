"""Celery task of the triage suggestions: thin and idempotent."""
from celery import shared_task


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
