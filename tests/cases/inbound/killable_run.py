"""One run of email intake in a process of its own that stops for good right after its first
mail is taken (committed) and before that mail is moved: the moment a crash hurts most. It
prints TAKEN then; the test kills it there with SIGKILL (tests/cases/inbound/test_killed_worker.py).

    python -m tests.cases.inbound.killable_run   (settings and mailbox from the environment)
"""
import logging
import time

import django


class StopAfterTaking(logging.Handler):
    def emit(self, record):
        if " taken: " in record.getMessage():
            print("TAKEN", flush=True)
            time.sleep(300)


if __name__ == "__main__":
    django.setup()
    logging.getLogger("cases.inbound.services").addHandler(StopAfterTaking())
    from cases.inbound.tasks import read_mailboxes

    read_mailboxes()
