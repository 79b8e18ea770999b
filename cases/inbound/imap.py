"""A complaint mailbox over IMAP with TLS (stdlib imaplib): list, read and move mails by UID.

Mails are read with BODY.PEEK (a person's "unread" flag stays as it was) and, once taken, moved
to the processed folder with MOVE (or COPY + \\Deleted + EXPUNGE where the server lacks MOVE):
nothing is deleted, the original stays available to staff.
"""
import datetime
import imaplib
import re
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

TIMEOUT_SECONDS = 30
_FETCHED = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)|INTERNALDATE \"([^\"]+)\"")


class MailboxError(Exception):
    """The server refused a command or could not be reached; the run stops, mails stay."""


# What imaplib and the socket raise when the server is gone or answers nonsense.
CONNECTION_ERRORS = (MailboxError, imaplib.IMAP4.error, OSError)


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    size: int
    received_at: datetime.datetime
    raw: bytes | None  # None when the mail is larger than the size limit: not downloaded


def quote_folder(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result, what):
    status, data = result
    if status != "OK":
        raise MailboxError(f"{what}: {status} {data!r}"[:200])
    return data


def tls_context():
    """Certificates and host names checked; EMAIL_INTAKE_CA_FILE replaces the system's CAs."""
    return ssl.create_default_context(cafile=settings.EMAIL_INTAKE_CA_FILE or None)


class ImapMailbox:
    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.conn = None
        self.uidvalidity = None
        self.capabilities = frozenset()
        self._processed_exists = False

    @contextmanager
    def session(self):
        """Logged in, with the folder to read selected; logged out afterwards."""
        box = self.mailbox
        try:
            if box.starttls:
                self.conn = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT_SECONDS)
                self.conn.starttls(ssl_context=tls_context())
            else:
                self.conn = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=tls_context(), timeout=TIMEOUT_SECONDS)
            self.conn.login(box.username, box.password)
            # Servers announce MOVE and UIDPLUS only once logged in.
            self.capabilities = frozenset(_check(self.conn.capability(), "CAPABILITY")[0].decode().upper().split())
            _check(self.conn.select(quote_folder(box.folder)), "SELECT")
            _code, values = self.conn.response("UIDVALIDITY")
            if not values or values[-1] is None:
                raise MailboxError("the server gave no UIDVALIDITY")
            self.uidvalidity = int(values[-1])
        except (OSError, imaplib.IMAP4.error) as exc:
            self._close()
            raise MailboxError(f"{type(exc).__name__}: {exc}"[:200]) from exc
        try:
            yield self
        finally:
            self._close()

    def _close(self):
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        self.conn = None

    def uids(self):
        """UIDs of the mails in the folder not marked deleted, oldest first."""
        data = _check(self.conn.uid("SEARCH", None, "UNDELETED"), "SEARCH")
        return sorted(int(uid) for uid in (data[0] or b"").split())

    def fetch(self, uid, max_bytes):
        """The mail at ``uid`` (None if it is gone), its body only when not over ``max_bytes``."""
        meta = _check(self.conn.uid("FETCH", str(uid), "(UID RFC822.SIZE INTERNALDATE)"), "FETCH")
        found = {}
        for item in meta:
            line = item[0] if isinstance(item, tuple) else item
            for match in _FETCHED.finditer(line or b""):
                for key, value in zip(("uid", "size", "date"), match.groups(), strict=True):
                    if value:
                        found[key] = value
        if int(found.get("uid", 0)) != uid or "size" not in found:
            return None
        local = imaplib.Internaldate2tuple(b'INTERNALDATE "' + found["date"] + b'"')
        received_at = datetime.datetime.fromtimestamp(time.mktime(local), tz=datetime.UTC)
        size = int(found["size"])
        raw = None
        if size <= max_bytes:
            data = _check(self.conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                return None
        return FetchedMail(uid=uid, size=size, received_at=received_at, raw=raw)

    def move_to_processed(self, uid):
        """Move the mail out of the folder read, into the processed folder (created if missing)."""
        target = quote_folder(self.mailbox.processed)
        if not self._folder_exists():
            _check(self.conn.create(target), "CREATE")
        if "MOVE" in self.capabilities:
            _check(self.conn.uid("MOVE", str(uid), target), "MOVE")
            return
        # Servers without MOVE (RFC 6851): copy, then remove the original (only it, with UIDPLUS).
        _check(self.conn.uid("COPY", str(uid), target), "COPY")
        _check(self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        if "UIDPLUS" in self.capabilities:
            _check(self.conn.uid("EXPUNGE", str(uid)), "EXPUNGE")
        else:
            _check(self.conn.expunge(), "EXPUNGE")

    def _folder_exists(self):
        if self._processed_exists:
            return True
        status, data = self.conn.list('""', quote_folder(self.mailbox.processed))
        self._processed_exists = status == "OK" and any(item for item in data if item)
        return self._processed_exists
