"""Celery tasks for customer messages, scheduled by name (cases.public.messaging)."""
from celery import shared_task

from ..models import Notification
from . import messaging


@shared_task(bind=True, max_retries=5, name="cases.public.tasks.deliver_customer_message")
def deliver_customer_message(self, notification_id):
    """Deliver one customer message, retrying with back-off while it stays pending; a duplicate
    or late retry does nothing."""
    status = messaging.deliver(notification_id)
    if status == Notification.Delivery.PENDING:
        raise self.retry(countdown=messaging.retry_delay(self.request.retries))
    return status


@shared_task(name="cases.public.tasks.deliver_pending_customer_messages")
def deliver_pending_customer_messages():
    """Beat: deliver customer messages left pending (broker was down, retries exhausted)."""
    return messaging.deliver_pending()
