"""Email backend of bench/cluster_run.py: every message sent by any process of the run is one
JSON line (recipients, subject, sending pid) appended to the file named by CLUSTER_MAIL_LOG, so
the run can check that nothing was sent twice. One write(2) per batch with O_APPEND keeps lines
from different processes whole."""
import json
import os

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        lines = "".join(
            json.dumps({"to": list(m.to), "subject": str(m.subject), "pid": os.getpid()}, ensure_ascii=False) + "\n"
            for m in email_messages
        )
        fd = os.open(os.environ["CLUSTER_MAIL_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)
        return len(email_messages)
