"""Handing work to the Celery worker once the current transaction commits.

A service names the task it schedules by its registered name (as the beat schedule and the
queue routes do) instead of importing the tasks module: the tasks import the services they
run, never the reverse. A rolled-back transaction sends nothing.
"""
import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name, *args, once=False):
    """Send ``task_name(*args)`` after the current transaction commits (at once outside one).

    ``once``: at most one such call, same name and arguments, per transaction (several saves
    in one admin form or import queue one task). A broker that does not answer is logged, not
    raised: what the task would do is left for its periodic retry or its command, which the
    task's own docstring names."""
    marker = (task_name, args)
    if once:
        pending = getattr(transaction.get_connection(), "run_on_commit", [])
        if any(getattr(entry[1], "enqueues", None) == marker for entry in pending):
            return

    def send():
        try:
            current_app.tasks[task_name].delay(*args)
        except Exception as exc:  # broker unreachable: the change itself is saved
            logger.warning("Task %s%s not queued (%s).", task_name, args, exc)

    send.enqueues = marker
    transaction.on_commit(send, robust=True)
