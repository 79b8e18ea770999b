"""Celery tasks of supervision (names predate the package: the beat schedule refers to them)."""
from celery import shared_task


@shared_task(name="assessment.supervision_tasks.monthly_reports")
def monthly_reports():
    """On the first working day of a month, store last month's department reports (once)."""
    from .reports import monthly_reports_due

    return monthly_reports_due()


@shared_task(name="assessment.supervision_tasks.supervision_reminders")
def supervision_reminders():
    """Remind and escalate rectifications and corrective actions (dedupe keys make it safe to re-run)."""
    from .rectifications import supervision_reminders

    return supervision_reminders()
