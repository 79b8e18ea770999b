"""Celery tasks of the case lifecycle: thin, idempotent, each calling a service."""
from celery import shared_task


@shared_task
def deadline_sweep():
    """Remind, mark overdue and escalate stage deadlines (implemented in cases.deadlines)."""
    from . import sweep

    return sweep.run_sweep()


@shared_task
def deliver_pending_notifications():
    from . import notifications

    return notifications.deliver_pending()
