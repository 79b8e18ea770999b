"""Celery tasks of the case lifecycle: thin and idempotent, scheduled by name after the
services' commits (complaints_portal.common.queueing), so services never import them."""
from celery import shared_task

from . import notifications, retention, sweep
from .deadlines import recompute_open_cases
from .services.submissions import submission_keys_purge


@shared_task
def deadline_sweep():
    """Remind, mark overdue and escalate (cases.sweep.run_sweep); rows are claimed conditionally."""
    return sweep.run_sweep()


@shared_task
def deliver_pending_notifications():
    """Retry notifications whose email has not gone out yet."""
    return notifications.deliver_pending()


@shared_task
def deliver_notification(notification_id):
    """Send one notification; a no-op when it is no longer pending (the beat retry,
    deliver_pending_notifications, sends what was never queued)."""
    return notifications.deliver(notification_id)


@shared_task
def recompute_deadlines(reason, policy_id=None):
    """Recompute open cases' due dates after a calendar or policy change; returns what changed.
    Not queued (broker down): `manage.py recompute_deadlines` does the same."""
    return recompute_open_cases(reason, policy_id=policy_id)


@shared_task
def anonymise_expired_cases():
    """Anonymise cases past their retention date (cases.retention; re-checked under the row lock)."""
    return retention.anonymise_expired()


@shared_task
def purge_submission_keys():
    """Delete the one-time form tokens and Idempotency-Keys no longer honoured (24 hours).

    Safe to run twice: the second run finds nothing older to delete."""
    return submission_keys_purge()
