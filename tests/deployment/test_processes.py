"""Real Celery processes against Redis: a worker of one queue group runs only that group's
tasks, and two beat processes started by mistake send each scheduled run once."""
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cases.models import Notification
from cases.notifications import notify
from complaints_portal.common import roles
from tests.factories.calendar import make_user
from tests.processes import stop, wait_until

ROOT = Path(settings.BASE_DIR)

needs_redis = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis://"),
                                 reason="needs CELERY_BROKER_URL=redis://...")


def _redis():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _process_env(**extra):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, **extra}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return env



def _queued_tasks(client, queue):
    """Task names of the messages waiting in a Redis-backed queue (kombu keeps a list per queue)."""
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1)]


# -- a worker of one queue group -------------------------------------------------------------

@pytest.mark.celery_worker
@pytest.mark.postgres
@needs_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_on_the_notifications_queue_alone_delivers_notifications_and_leaves_deadline_work():
    from cases import tasks

    # given empty queues, a pending notification (its delivery task queued on commit) and a
    # deadline recomputation queued for the deadlines group
    client = _redis()
    client.delete(*settings.CELERY_QUEUE_NAMES)
    user = make_user("inv_queue", roles.INVESTIGATOR)
    notification, created = notify(user, "test_kind", "Queue split", "body", dedupe_key=f"queues:{uuid.uuid4()}")
    assert created
    tasks.recompute_deadlines.delay("queue test")
    assert _queued_tasks(client, "notifications") == ["cases.tasks.deliver_notification"]
    assert _queued_tasks(client, "deadlines") == ["cases.tasks.recompute_deadlines"]

    # when a worker runs with -Q notifications only
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "complaints_portal", "worker", "--pool=solo", "-Q", "notifications",
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=_process_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        delivered = wait_until(
            lambda: Notification.objects.filter(pk=notification.pk, delivery=Notification.Delivery.SENT).exists(), 60)
    finally:
        stop(worker)

    # then the notification went out, and the deadline work still waits for its own workers
    try:
        assert delivered, "the notifications worker did not deliver the notification"
        assert _queued_tasks(client, "notifications") == []
        assert _queued_tasks(client, "deadlines") == ["cases.tasks.recompute_deadlines"]
    finally:
        client.delete(*settings.CELERY_QUEUE_NAMES)


# -- exactly one scheduler -------------------------------------------------------------------

SENT = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}).*Scheduler: Sending due task deadline-sweep ")
INTERVAL = 2  # seconds between deadline sweeps in this test


def _sends(log):
    return [datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f") for m in SENT.finditer(log.read_text())]


def _holds_lock(log):
    return "beat: Acquired lock" in log.read_text()


@needs_redis
def test_two_beats_against_redis_send_each_run_once_and_the_standby_takes_over(tmp_path):
    # given two beat processes started at once, as on two machines, with a 2-second sweep;
    # their own key prefix keeps this schedule apart from any other on the same Redis
    client = _redis()
    prefix = f"test-beat-{uuid.uuid4().hex[:8]}:"
    env = _process_env(REDBEAT_KEY_PREFIX=prefix, REDBEAT_LOCK_TIMEOUT="3", DEADLINE_SWEEP_SECONDS=str(INTERVAL))
    client.delete("deadlines")
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = []
    try:
        for log in logs:
            with log.open("w") as out:
                beats.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "complaints_portal", "beat", "--loglevel=INFO",
                     f"--schedule={tmp_path / 'unused-schedule'}"],
                    env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))

        # when both run for a while
        assert wait_until(lambda: any(_holds_lock(log) for log in logs), 30), "no beat acquired the lock"
        holder = 0 if _holds_lock(logs[0]) else 1
        standby = 1 - holder
        assert wait_until(lambda: len(_sends(logs[holder])) >= 4, 20)
        # then only the lock holder sends; the standby waits
        assert not _holds_lock(logs[standby])
        assert _sends(logs[standby]) == []
        assert beats[standby].poll() is None, "the second beat must wait, not exit"

        # when the holder's machine dies (no clean shutdown: its lock expires)
        beats[holder].send_signal(signal.SIGKILL)
        beats[holder].wait(timeout=10)
        sent_by_holder = len(_sends(logs[holder]))
        # then the standby takes over and goes on sending
        assert wait_until(lambda: len(_sends(logs[standby])) >= 3, 20), "the standby did not take over"
    finally:
        for beat in beats:
            stop(beat)
        queued = _queued_tasks(client, "deadlines")
        client.delete("deadlines", *client.keys(f"{prefix}*"))

    # and every run was sent once: one message per logged send, never two within one interval
    sends = sorted(_sends(logs[0]) + _sends(logs[1]))
    # (the queue is shared with the other tests of a parallel run, which may queue other
    # deadline tasks, such as a recomputation, meanwhile: only the sweeps are the beats')
    assert [name for name in queued if name == "cases.tasks.deadline_sweep"] == ["cases.tasks.deadline_sweep"] * len(sends)
    assert len(_sends(logs[holder])) == sent_by_holder
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(sends, sends[1:], strict=False)]
    assert min(gaps) >= INTERVAL * 0.5, f"a run was sent twice: gaps {gaps}"
