"""Celery tasks of supervision: thin and idempotent, each calling assessment.supervision."""
from celery import shared_task


@shared_task
def monthly_reports():
    """On the first working day of a month, store last month's department reports (once)."""
    from . import supervision

    return supervision.monthly_reports_due()


@shared_task
def supervision_reminders():
    """Remind and escalate rectifications and corrective actions (dedupe keys make it safe to re-run)."""
    from . import supervision

    return supervision.supervision_reminders()
