"""A worker killed (SIGKILL) right after it took the first mail of a batch, before moving it:
the next run takes the rest and nothing twice. The worker is a process of its own on the test
database (PostgreSQL), reading the real IMAPS server."""
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from cases.inbound.tasks import read_mailboxes
from cases.models import Complaint, InboundMail
from tests.factories import cases as f
from tests.servers.dovecot import make_mail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(settings.BASE_DIR)


def _worker_env(mailbox):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    box = mailbox.config
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_INTAKE_MAILBOXES": f"imaps://{quote(box.username)}:{quote(box.password, safe='')}@{box.host}:{box.port}/INBOX",
        "EMAIL_INTAKE_CA_FILE": str(mailbox.server.cert),
    }


def test_a_worker_killed_after_taking_the_first_mail_leaves_the_rest_to_the_next_run(mailbox):
    # given three complaint mails
    f.calendar_seed()
    raws = [make_mail(subject=f"投诉 {n}") for n in range(3)]
    for raw in raws:
        mailbox.deliver(raw)

    # when a worker takes the first one and is killed before it moves it
    worker = subprocess.Popen([sys.executable, "-m", "tests.cases.inbound.killable_run"], cwd=ROOT,
                              env=_worker_env(mailbox), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert worker.stdout.readline().strip() == "TAKEN"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL
    assert Complaint.objects.count() == 1 and len(mailbox.inbox()) == 3

    # then the next run only moves the first and takes the other two
    assert read_mailboxes() == {mailbox.config.label: {"known": 1, "new_case": 2}}
    assert sorted(Complaint.objects.values_list("summary", flat=True)) == ["投诉 0", "投诉 1", "投诉 2"]
    assert InboundMail.objects.count() == 3
    assert (len(mailbox.inbox()), len(mailbox.processed())) == (0, 3)
