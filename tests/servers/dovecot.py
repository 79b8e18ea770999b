"""Debian's dovecot as a throwaway IMAPS server: `dovecot -F -c CONFIG` with a generated config,
passwd-file and maildir under a temporary directory, listening on a free loopback port.

Run as root (as CI is): the master needs it for its login and mail processes; mail is owned by
`nobody`. The passwd-file lists a pool of users written before the start, so that each test
takes an empty mailbox of its own (dovecot notices a changed passwd-file by its modification
time only, to the second, so users are not added while it runs).
"""
import email.utils
import imaplib
import secrets
import shutil
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from cases.inbound.imap import quote_folder
from complaints_portal.common.channel_settings import Mailbox
from tests.processes import free_port, stop, wait_for_port

from .tls import self_signed_certificate

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAIL_UID = MAIL_GID = 65534  # nobody / nogroup
POOL = 100

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def available():
    return Path(DOVECOT).exists()


class DovecotServer:
    def __init__(self):
        # Not pytest's tmp_path: that is private to root, and dovecot's login and mail processes
        # run as other users.
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.cert, key = self_signed_certificate(self.root)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        shutil.chown(self.root / "mail", MAIL_UID, MAIL_GID)
        self.users = [(f"complaints{n:03d}", secrets.token_urlsafe(12)) for n in range(POOL)]
        (self.root / "users").write_text("".join(f"{user}:{{PLAIN}}{pw}::::::\n" for user, pw in self.users))
        self.config = self.root / "dovecot.conf"
        self.config.write_text(CONFIG.format(root=self.root, cert=self.cert, key=key, port=self.port,
                                             uid=MAIL_UID, gid=MAIL_GID))
        with (self.root / "dovecot.out").open("wb") as out:
            self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)], stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {self.log()}") from exc

    def log(self):
        return "".join(path.read_text(errors="replace")[-2000:] for path in
                       (self.root / "dovecot.out", self.root / "dovecot.log") if path.exists())

    def stop(self):
        stop(self.proc)  # the master stops its login and mail processes on SIGTERM
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self):
        """A user not used before, with an empty mailbox; returns (user name, password)."""
        return self.users.pop()

    def mailbox(self, user, password, **options):
        """The portal's configuration of this user's INBOX."""
        return Mailbox(host="127.0.0.1", port=self.port, starttls=False, username=user, password=password,
                       **options)

    # -- the test's own IMAP client (what a mail server's delivery does, over the protocol) ----

    def client(self, user, password):
        context = ssl.create_default_context(cafile=str(self.cert))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        conn.login(user, password)
        return conn

    def append(self, user, password, raw, folder="INBOX"):
        conn = self.client(user, password)
        try:
            status, data = conn.append(quote_folder(folder), None, imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def messages(self, user, password, folder="INBOX"):
        """The raw mails of ``folder`` in UID order ([] when the folder does not exist)."""
        conn = self.client(user, password)
        try:
            if conn.select(quote_folder(folder))[0] != "OK":
                return []
            uids = conn.uid("SEARCH", None, "ALL")[1][0].split()
            return [conn.uid("FETCH", uid, "(BODY.PEEK[])")[1][0][1] for uid in uids]
        finally:
            conn.logout()

    def delete_all(self, user, password, folder="INBOX"):
        conn = self.client(user, password)
        try:
            conn.select(quote_folder(folder))
            conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            conn.expunge()
        finally:
            conn.logout()


def make_mail(*, subject="理赔款迟迟未到账", sender="王小明 <wang@example.cn>", body="2026年10月提交理赔材料，至今未收到款项。",
              message_id=None, html=None, attachments=()):
    """An RFC 5322 mail as a customer's mail program writes it (stdlib email)."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "complaints@insurer.example"
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="example.cn")
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()
