"""A complaint mail's bytes → what the case needs: sender, subject, text, attachments.

Parsed with the stdlib email package (RFC 5322/MIME, encoded words). An HTML-only mail becomes
plain text through inscriptis: scripts, styles and every tag are dropped, the layout (paragraphs,
lists, tables) kept as line breaks; nothing of the markup reaches the case. A mail that cannot
be read raises MailUnreadable with a reason code (UnreadableMail.Reason).
"""
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from inscriptis import get_text

from ..models.inbound import UnreadableMail

Reason = UnreadableMail.Reason
MAX_BODY_CHARS = 200_000
# Structure defects after which parts of the mail are missing, not merely untidy.
BROKEN = {"StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect", "NoBoundaryInMultipartDefect"}
# Labels that often mean a wider Chinese encoding than they say (GBK text labelled GB2312).
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


class MailUnreadable(Exception):
    def __init__(self, reason, message_id=""):
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender_name: str
    sender_address: str
    subject: str
    body: str
    attachments: list = field(default_factory=list)  # [(file name, bytes)]


def mail_parse(raw):
    """ParsedMail of ``raw`` (the mail's bytes); raises MailUnreadable."""
    message_id = ""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = _message_id(msg, raw)
        if any(type(defect).__name__ in BROKEN for defect in msg.defects):
            raise MailUnreadable(Reason.BROKEN, message_id)
        name, address = _sender(msg)
        if not address:
            raise MailUnreadable(Reason.NO_SENDER, message_id)
        body_part = msg.get_body(preferencelist=("plain", "html"))
        body = _text(body_part) if body_part is not None else ""
        attachments = _attachments(msg, body_part)
        subject = " ".join(str(msg["subject"] or "").split())[:255]
    except MailUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 -- any failure inside the parser is this mail's fault
        raise MailUnreadable(Reason.UNDECODABLE, message_id) from exc
    if not subject and not body.strip() and not attachments:
        raise MailUnreadable(Reason.EMPTY, message_id)
    return ParsedMail(message_id=message_id, sender_name=name, sender_address=address, subject=subject,
                      body=body, attachments=attachments)


def _message_id(msg, raw):
    """The Message-ID as sent; a mail without one is known by a digest of its bytes (the same
    mail read again gets the same id). An overlong id is replaced by its digest."""
    value = " ".join(str(msg.get("message-id") or "").split())
    if not value:
        return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"
    if len(value) > 255:
        return f"<{hashlib.sha256(value.encode()).hexdigest()}@long-message-id>"
    return value


def _sender(msg):
    header = msg["from"]
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    for address in addresses:
        try:
            validate_email(address.addr_spec)
        except ValidationError:
            continue
        name = " ".join(address.display_name.split()) or address.username
        return name[:100], address.addr_spec.lower()
    return "", ""


def _decode(payload, charset):
    charset = CHARSET_ALIASES.get((charset or "utf-8").lower(), charset or "utf-8")
    for candidate in (charset, "utf-8", "gb18030"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _text(part):
    text = _decode(part.get_payload(decode=True) or b"", part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return _tidy(text)[:MAX_BODY_CHARS]


def html_to_text(html):
    """Plain text of an HTML mail: scripts, styles and all markup removed, layout as lines."""
    return get_text(html) if html.strip() else ""


def _tidy(text):
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _attachments(msg, body_part):
    """[(file name, bytes)] of every leaf part but the text chosen as the body and its
    alternative renderings (text parts without a file name)."""
    found = []
    for part in msg.walk():
        if part.is_multipart() or part is body_part:
            continue
        filename = part.get_filename()
        if not filename and part.get_content_maintype() == "text":
            continue
        data = part.get_payload(decode=True) or b""
        if data:
            found.append(((filename or f"attachment-{len(found) + 1}")[-200:], data))
    return found
