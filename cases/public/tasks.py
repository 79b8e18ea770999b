"""Celery tasks for customer messages. The worker imports this module through CELERY_IMPORTS;
the messages are scheduled by name (cases.public.messaging), so this module is the only one
that imports the other."""
from celery import shared_task

from ..models import Notification
from . import messaging


@shared_task(bind=True, max_retries=5, name="cases.public.tasks.deliver_customer_message")
def deliver_customer_message(self, notification_id):
    """Deliver one customer message; safe to run twice (only a pending row is sent).

    While the row stays pending after a failed attempt the task retries itself with back-off;
    once sent or failed for good, a retry or a duplicate delivery of the task is a no-op.
    """
    status = messaging.deliver(notification_id)
    if status == Notification.Delivery.PENDING:
        raise self.retry(countdown=messaging.retry_delay(self.request.retries))
    return status


@shared_task(name="cases.public.tasks.deliver_pending_customer_messages")
def deliver_pending_customer_messages():
    """Beat: deliver customer messages left pending (broker was down, retries exhausted)."""
    return messaging.deliver_pending()
