"""The writes of email intake (SPEC §14): a mail becomes a case or is filed to one, exactly once;
a mail that cannot be read is reported.

`mail_take` commits before it returns. The caller moves the mail out of the folder only after
that (cases/inbound/reader.py): a process killed in between leaves a mail whose Message-ID is
already known, which the next run only moves.
"""
import logging
import re
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common import roles
from complaints_portal.common.errors import ValidationFailed

from ..events import event_record
from ..models import Complaint, InboundMail, TeamMember, UnreadableMail
from ..models.case import Category, Channel, Status
from ..notification_texts import register
from ..notifications import department_heads, notify, users_with_role
from ..services.attachments import AttachmentRefused, attachment_check, attachment_store_checked
from ..services.intake import case_create
from .parsing import MailUnreadable, mail_parse

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"TS-\d{4}-\d{6}")
# An email complaint names no category: registered under the broadest one, the clerk confirms
# or corrects it (cases.inbound.classification) as for any complaint.
DEFAULT_CATEGORY = Category.SERVICE


class Outcome(StrEnum):
    NEW_CASE = "new_case"
    REPLY = "reply"
    KNOWN = "known"
    UNREADABLE = "unreadable"


def mail_take(*, mailbox, uidvalidity, fetched):
    """Register the fetched mail (cases.inbound.imap.FetchedMail) as a new case or file it to
    the case its subject names; returns (Outcome, InboundMail or None).

    KNOWN: its Message-ID was taken before (by an earlier run, or a concurrent one that won the
    unique key): nothing is written. UNREADABLE: reported, nothing else written. Raises what
    case_create raises for the configuration (CalendarMissing) and database errors: the mail
    stays for the next run."""
    if fetched.raw is None:
        unreadable_report(mailbox=mailbox, uidvalidity=uidvalidity, uid=fetched.uid,
                          reason=UnreadableMail.Reason.TOO_LARGE)
        return Outcome.UNREADABLE, None
    try:
        parsed = mail_parse(fetched.raw)
    except MailUnreadable as exc:
        unreadable_report(mailbox=mailbox, uidvalidity=uidvalidity, uid=fetched.uid, reason=exc.reason,
                          message_id=exc.message_id)
        return Outcome.UNREADABLE, None
    if InboundMail.objects.filter(message_id=parsed.message_id).exists():
        return Outcome.KNOWN, None
    files, refused = _checked_attachments(parsed.attachments)
    stored = []
    try:
        with transaction.atomic():
            case = _reply_target(parsed.subject)
            kind = InboundMail.Kind.REPLY if case else InboundMail.Kind.NEW_CASE
            if case is None:
                case = _case_open(parsed, fetched.received_at)
            inbound = InboundMail.objects.create(
                message_id=parsed.message_id, case=case, kind=kind, mailbox=mailbox.label,
                sender_name=parsed.sender_name, sender_address=parsed.sender_address, subject=parsed.subject,
                body=parsed.body, received_at=min(fetched.received_at, timezone.now()), taken_at=timezone.now(),
                refused_attachments=refused,
                sender_is_customer=(parsed.sender_address == case.customer_email.lower()) if kind == "reply" else None,
            )
            for content, mime, name in files:
                stored.append(attachment_store_checked(case, data=content, mime=mime, name=name))
            inbound.attachments.add(*stored)
            event_record(case, "mail_reply" if kind == "reply" else "mail_received", None,
                         data={"inbound_mail": inbound.pk, "attachments": len(stored), "refused": len(refused)})
            if kind == "reply":
                _notify_reply(case, inbound)
    except IntegrityError:
        _delete_files(stored)
        if InboundMail.objects.filter(message_id=parsed.message_id).exists():
            return Outcome.KNOWN, None
        raise
    except ValidationFailed:
        _delete_files(stored)
        unreadable_report(mailbox=mailbox, uidvalidity=uidvalidity, uid=fetched.uid,
                          reason=UnreadableMail.Reason.REFUSED, message_id=parsed.message_id)
        return Outcome.UNREADABLE, None
    except Exception:
        _delete_files(stored)
        raise
    # After the commit, before the mail is moved: the moment a killed worker leaves behind.
    logger.info("Mail UID %s of %s taken: %s of case %s", fetched.uid, mailbox.label, kind, case.reference)
    return Outcome(kind), inbound


def _checked_attachments(attachments):
    """([(bytes, mime, name)] that pass the upload checks, [{name, reason}] refused)."""
    files, refused = [], []
    for name, data in attachments:
        try:
            content, mime = attachment_check(ContentFile(data, name=name))
        except AttachmentRefused as exc:
            refused.append({"name": name, "reason": exc.message})
            continue
        files.append((content, mime, name))
    return files, refused


def _delete_files(attachments):
    for attachment in attachments:
        attachment.file.delete(save=False)


def _reply_target(subject):
    """The open (not archived) case whose reference the subject carries, locked; a merged case
    gives the case it was merged into. None: the mail is a new complaint."""
    for reference in REFERENCE.findall(subject):
        case = Complaint.objects.select_for_update(of=("self",)).filter(reference=reference).first()
        for _hop in range(5):
            if case is None or not case.merged_into_id:
                break
            case = Complaint.objects.select_for_update(of=("self",)).filter(pk=case.merged_into_id).first()
        if case is not None and case.status != Status.ARCHIVED and case.anonymised_at is None:
            return case
    return None


def _case_open(parsed, received_at):
    """Register the mail as a complaint through intake, as the system (no staff actor)."""
    first_line = next((line.strip() for line in parsed.body.splitlines() if line.strip()), "")
    with translation.override(settings.LANGUAGE_CODE):
        summary = parsed.subject or first_line or _("Complaint by email")
    data = {
        "category": DEFAULT_CATEGORY,
        "summary": summary[:200],
        "description": parsed.body,
        "customer_name": parsed.sender_name,
        "customer_email": parsed.sender_address,
        "received_at": min(received_at, timezone.now()),
    }
    return case_create(actor=None, data=data, public=True, channel=Channel.EMAIL)


MAIL_REPLY = register("mail_reply", gettext_lazy("The customer wrote about %(ref)s"), "%(subject)s")
MAIL_UNREADABLE = register(
    "mail_unreadable", gettext_lazy("A complaint mail could not be read (%(mailbox)s)"),
    gettext_lazy("It was left in the mailbox, UID %(uid)s: %(reason)s. Handle it by hand; the report is "
                 "under Unreadable mails in the admin."),
    prepare=lambda params: {**params, "reason": _choice_label(UnreadableMail.Reason, params.get("reason"))})


def _choice_label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _notify_reply(case, inbound):
    """Tell whoever works on the case now: its active team, else its department's heads, else
    the intake clerks."""
    team = [m.user for m in TeamMember.objects.filter(case=case, round=case.round, ended_at__isnull=True)
            .select_related("user") if m.user.is_active]
    recipients = team or department_heads(case) or users_with_role(roles.INTAKE_CLERK)
    for user in recipients:
        notify(user, MAIL_REPLY, case=case, params={"ref": case.reference, "subject": inbound.subject},
               dedupe_key=f"mail_reply:{inbound.pk}:{user.pk}")


# --- mails that cannot be read ------------------------------------------------------------------

def unreadable_report(*, mailbox, uidvalidity, uid, reason, message_id=""):
    """Record that the mail at (mailbox, UIDVALIDITY, UID) could not be read and was left in
    place; the supervisors and administrators are notified the first time only."""
    now = timezone.now()
    key = {"mailbox": mailbox.label, "uidvalidity": uidvalidity, "uid": uid}
    with transaction.atomic():
        report = UnreadableMail.objects.select_for_update().filter(**key).first()
        if report is None:
            try:
                with transaction.atomic():
                    report = UnreadableMail.objects.create(**key, message_id=message_id[:255], reason=reason,
                                                           first_seen_at=now, last_seen_at=now)
            except IntegrityError:  # a concurrent run reported it first
                return UnreadableMail.objects.get(**key)
            _notify_unreadable(report)
        else:
            report.reason, report.last_seen_at, report.resolved_at = reason, now, None
            report.times_seen += 1
            report.save(update_fields=["reason", "last_seen_at", "resolved_at", "times_seen"])
    logger.warning("Mail UID %s of %s left in the mailbox: %s", uid, mailbox.label, reason)
    return report


def _notify_unreadable(report):
    recipients = {u.pk: u for role in (roles.SUPERVISOR, roles.ADMINISTRATOR) for u in users_with_role(role)}
    params = {"mailbox": report.mailbox, "uid": report.uid, "reason": report.reason}
    for user in recipients.values():
        notify(user, MAIL_UNREADABLE, params=params, dedupe_key=f"mail_unreadable:{report.pk}:{user.pk}")


def unreadable_still_there(*, mailbox, uidvalidity, uids):
    """Of the open reports of this folder, count the UIDs seen again and resolve the others:
    a mail that left the folder was handled by someone. Returns the UIDs still reported (the
    reader does not read them again)."""
    now = timezone.now()
    open_reports = UnreadableMail.objects.filter(mailbox=mailbox.label, resolved_at__isnull=True)
    present = set(uids)
    gone = [r.pk for r in open_reports if r.uidvalidity != uidvalidity or r.uid not in present]
    open_reports.filter(pk__in=gone).update(resolved_at=now)
    still = open_reports.filter(uidvalidity=uidvalidity, uid__in=present)
    still.update(last_seen_at=now, times_seen=F("times_seen") + 1)
    return set(still.values_list("uid", flat=True))
