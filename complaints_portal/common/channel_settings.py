"""The channel settings that need more than a cast (SPEC §14): complaint mailboxes and the SMS
gateway. Pure parsing for complaints_portal/settings/base.py; a bad value raises
ImproperlyConfigured naming its variable, so the process does not start with it.
"""
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

MAILBOX_SCHEMES = {"imaps": (993, False), "imap+starttls": (143, True)}
MAILBOX_FORMAT = "imaps://USER:PASSWORD@HOST[:PORT][/FOLDER][?processed=FOLDER] (or imap+starttls://…)"
# IMAP folder names are sent quoted; other scripts need modified UTF-7, which is not supported.
_FOLDER = re.compile(r"^[A-Za-z0-9 ._/&+-]{1,100}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _bad(name, reason, expected=""):
    raise ImproperlyConfigured(
        f"Environment variable {name} has an invalid value: {reason}" + (f". Expected {expected}" if expected else "")
    )


@dataclass(frozen=True)
class Mailbox:
    """One complaint mailbox. `label` names it in reports and logs, without the password."""

    host: str
    port: int
    starttls: bool
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    processed: str = "Processed"

    @property
    def label(self):
        return f"{self.username}@{self.host}/{self.folder}"


def mailboxes_from_env(urls, name="EMAIL_INTAKE_MAILBOXES"):
    """The Mailbox of each URL in ``urls`` (a list; empty = email intake off).

    The user name and password are percent-decoded (write @ as %40, a comma as %2C). Plain
    imap:// is refused: the mailbox password and the customers' mail travel only over TLS."""
    mailboxes = []
    for url in filter(None, (u.strip() for u in urls)):
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            _bad(name, f"a mailbox URL cannot be parsed ({exc})", MAILBOX_FORMAT)
        if parts.scheme not in MAILBOX_SCHEMES:
            _bad(name, f"scheme “{parts.scheme or '(none)'}” (only imaps:// or imap+starttls://, "
                       "mail is read over TLS)", MAILBOX_FORMAT)
        default_port, starttls = MAILBOX_SCHEMES[parts.scheme]
        if not parts.hostname or not parts.username or not parts.password:
            _bad(name, f"a mailbox URL needs a host, a user name and a password ({parts.hostname or 'no host'})",
                 MAILBOX_FORMAT)
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(options) - {"processed"}
        if unknown:
            _bad(name, f"unknown option(s) {', '.join(sorted(unknown))}", MAILBOX_FORMAT)
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        processed = options.get("processed", "Processed")
        for folder_name in (folder, processed):
            if not _FOLDER.match(folder_name):
                _bad(name, f"folder “{folder_name}” (letters, digits, space and ._/&+- only)", MAILBOX_FORMAT)
        if folder == processed:
            _bad(name, f"the processed folder must differ from the folder read ({folder})", MAILBOX_FORMAT)
        mailboxes.append(Mailbox(
            host=parts.hostname, port=port or default_port, starttls=starttls, username=unquote(parts.username),
            password=unquote(parts.password), folder=folder, processed=processed,
        ))
    labels = [m.label for m in mailboxes]
    if len(set(labels)) != len(labels):
        _bad(name, "the same mailbox folder is listed twice")
    return mailboxes


def existing_file(path, name):
    """``path`` if it names a readable file, "" when empty; ImproperlyConfigured otherwise."""
    if path and not Path(path).is_file():
        _bad(name, f"no file at {path}")
    return path or ""


def bounded(value, name, low, high):
    if not low <= value <= high:
        _bad(name, f"{value} is not between {low} and {high}")
    return value


# --- SMS gateway ------------------------------------------------------------------------------

def gateway_url(url, name="SMS_GATEWAY_URL"):
    """An https:// URL; plain http:// only to this machine (a local relay, the tests)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError as exc:
        _bad(name, f"cannot be parsed ({exc})", "https://HOST[:PORT]/PATH")
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url
    if parts.scheme != "https" or not parts.hostname:
        _bad(name, "credentials are sent with every message, so the gateway must be reached over https",
             "https://HOST[:PORT]/PATH")
    return url


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def sms_templates_from_env(pairs, name="SMS_GATEWAY_TEMPLATES"):
    """{message kind: the gateway's template id} from ``KIND=ID`` items."""
    templates = {}
    for item in filter(None, (p.strip() for p in pairs)):
        kind, sep, template_id = item.partition("=")
        kind, template_id = kind.strip(), template_id.strip()
        if not sep or not _KIND.match(kind) or not template_id or len(template_id) > 100:
            _bad(name, f"“{item}”", "KIND=TEMPLATE_ID[,KIND=TEMPLATE_ID…], e.g. received=SMS_100001")
        if kind in templates:
            _bad(name, f"message kind {kind} is listed twice")
        templates[kind] = template_id
    return templates
