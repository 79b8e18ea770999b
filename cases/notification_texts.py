"""What a staff notification says, by kind: a notification is stored as its kind (a code) and
its parameters, and its subject and body are written when it is read, in the reader's language
(issue: a notification stored as Chinese text showed Chinese on an English page).

Each module that sends a kind registers its text once, beside the code that sends it
(``register``). A kind without a registered text, or a row written before parameters were
stored, shows the subject and body stored with it, in the language of the day it was sent.
"""
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Text:
    subject: Any  # a lazy message with %(name)s parameters
    body: Any = ""  # idem; "" shows no body
    prepare: Any = None  # params -> the parameters the messages use (labels for codes)


TEXTS = {}


def register(kind, subject, body="", prepare=None):
    """Register the text of notifications of ``kind``; returns ``kind``."""
    TEXTS[kind] = Text(subject, body, prepare)
    return kind


def local_date(value):
    """A date parameter as the portal writes dates in both languages (2026-12-07)."""
    parsed = parse_date(value) if isinstance(value, str) else value
    return formats.date_format(parsed, "Y-m-d") if parsed else value


def render(notification):
    """(subject, body) of ``notification`` in the active language."""
    text = TEXTS.get(notification.kind)
    if text is None or not notification.params:
        return notification.subject, notification.body
    params = dict(notification.params)
    if text.prepare:
        params = text.prepare(params)
    try:
        subject = str(text.subject) % params
        body = str(text.body) % params if text.body else ""
    except (KeyError, TypeError, ValueError):  # parameters of an older version of the text
        return notification.subject, notification.body
    return subject, body


def joined(items):
    """A list in the active language ("a, b" / "a、b")."""
    return _(", ").join(str(item) for item in items)
