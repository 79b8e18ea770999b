"""One run of email intake over the configured mailboxes: fetch, take, then move each mail."""
import logging
from collections import Counter

from django.conf import settings

from complaints_portal.common.errors import CalendarMissing

from .imap import CONNECTION_ERRORS, ImapMailbox
from .services import Outcome, mail_take, unreadable_still_there

logger = logging.getLogger(__name__)


def mailboxes_read():
    """{mailbox label: {outcome: count}} for every mailbox in EMAIL_INTAKE_MAILBOXES; {} when
    none is configured (the embedded default). A mailbox that fails does not stop the others."""
    return {mailbox.label: mailbox_read(mailbox) for mailbox in settings.EMAIL_INTAKE_MAILBOXES}


def mailbox_read(mailbox):
    """Take up to EMAIL_INTAKE_BATCH_SIZE mails of one mailbox, oldest first.

    Each mail is taken (committed) and only then moved to the processed folder; a mail already
    taken is only moved; an unreadable one stays and is skipped by later runs while its report
    is open. Server or network failures end the run for this mailbox ("error"), the mails stay
    for the next run; so does a calendar that does not cover the deadlines."""
    counts = Counter()
    max_bytes = settings.EMAIL_INTAKE_MAX_MB * 1024 * 1024
    try:
        with ImapMailbox(mailbox).session() as box:
            uids = box.uids()
            reported = unreadable_still_there(mailbox=mailbox, uidvalidity=box.uidvalidity, uids=uids)
            for uid in [uid for uid in uids if uid not in reported][:settings.EMAIL_INTAKE_BATCH_SIZE]:
                fetched = box.fetch(uid, max_bytes)
                if fetched is None:  # removed meanwhile (another run moved it)
                    continue
                outcome, _inbound = mail_take(mailbox=mailbox, uidvalidity=box.uidvalidity, fetched=fetched)
                if outcome != Outcome.UNREADABLE:
                    box.move_to_processed(uid)
                counts[str(outcome)] += 1
    except CONNECTION_ERRORS as exc:
        logger.error("Mailbox %s could not be read: %s", mailbox.label, exc)
        counts["error"] += 1
    except CalendarMissing as exc:
        logger.error("Mailbox %s: mail left for the next run: %s", mailbox.label, exc.message)
        counts["error"] += 1
    return dict(counts)
