"""Celery tasks of supervision: thin and idempotent, each calling assessment.supervision.

The task names predate the package and are kept: the beat schedule and the queue routes
(complaints_portal/settings/base.py) refer to them."""
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
