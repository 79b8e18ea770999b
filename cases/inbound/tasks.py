"""Celery task of email intake. The worker imports this module through CELERY_IMPORTS."""
from celery import shared_task


@shared_task(name="cases.inbound.tasks.read_mailboxes")
def read_mailboxes():
    """Beat: read every configured complaint mailbox once; nothing when none is configured.

    Safe to run twice or concurrently: a mail is taken once by its Message-ID (unique), and it
    leaves the folder only after the commit that took it."""
    from .reader import mailboxes_read

    return mailboxes_read()
