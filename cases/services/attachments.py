"""Attachments: size limit, type checked by content (not by name), stored outside the web root."""
import hashlib
import io
import logging
import zipfile

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import NotFound, PermissionDenied, ReadOnlyCase, ValidationFailed
from complaints_portal.common.roles import Access
from complaints_portal.common.storage import STREAM_CHUNK, open_for_streaming

from ..events import event_record
from ..models import Attachment
from ..models.case import Status
from ..permissions import can_upload
from ..selectors import case_get_for_user

logger = logging.getLogger(__name__)

# MIME types detected from the bytes. A .docx/.xlsx is a zip: told apart by its content names.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "audio/m4a": "m4a",
    "video/mp4": "m4a",  # M4A audio is an MP4 container; filetype reports some as video/mp4
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


class AttachmentRefused(ValidationFailed):
    code = "attachment_refused"


# An Office Open XML document is a zip with a content-types part naming its main part
# (ECMA-376 part 2): a zip that merely contains a folder called "word/" is not a document.
OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "word/document.xml", b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "xl/workbook.xml", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_MAX = 256 * 1024  # a real one is a few kB; never inflate more than this


def _ooxml(data):
    """The MIME type of a .docx or .xlsx whose zip structure is that of the document, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            info = archive.getinfo(_CONTENT_TYPES) if _CONTENT_TYPES in names else None
            if info is None or info.file_size > _CONTENT_TYPES_MAX:
                return None
            content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
        return None
    for mime, (main_part, main_type) in OOXML.items():
        if main_part in names and main_type in content_types:
            return mime
    return None


def _sniff(data):
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    # filetype names some zips .docx/.xlsx itself by looking for a folder name: check either way.
    mime = _ooxml(data) if kind.mime == "application/zip" or kind.mime in OOXML else kind.mime
    return mime if mime in ALLOWED else None


def attachment_add(*, actor, reference, uploaded_file, kind=Attachment.Kind.EVIDENCE):
    """Store one attachment on a case the actor may work on. Refuses oversize files and files
    whose content is not one of the allowed types, whatever their name says."""
    data, mime = attachment_check(uploaded_file)
    with transaction.atomic():
        access = Access.of(actor)
        case = case_get_for_user(access, reference, for_update=True)
        if case.status == Status.ARCHIVED:
            raise ReadOnlyCase()
        if not can_upload(access, case):
            raise PermissionDenied()
        return attachment_store_checked(case, data=data, mime=mime, name=uploaded_file.name, actor=access.user,
                                        kind=kind)


def attachment_open(*, actor, reference, attachment_id):
    """A FileResponse for an attachment of a case the actor may see; 404 otherwise."""
    case = case_get_for_user(actor, reference)
    attachment = case.attachments.filter(pk=attachment_id, removed_at__isnull=True).first()
    if attachment is None:
        raise NotFound()
    ext = ALLOWED.get(attachment.content_type, "bin")
    try:
        # Streamed from the storage (local file or S3 object body), one chunk at a time.
        stream = open_for_streaming(attachment.file.storage, attachment.file.name)
    except FileNotFoundError:
        # The row says the file exists but the storage has lost it: a clear 404, and a log
        # line for the operator (restore from backup), not a server error.
        logger.error("Attachment %s of case %s is missing from the storage.", attachment.pk, case.pk)
        raise NotFound() from None
    response = FileResponse(stream, content_type=attachment.content_type,
                            as_attachment=True, filename=f"{case.reference}-{attachment.pk}.{ext}")
    response.block_size = STREAM_CHUNK
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_check(uploaded_file):
    """Apply the size limit and the content check to one upload (the public form checks every file
    before anything is written); returns (bytes, mime); raises AttachmentRefused."""
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    data = uploaded_file.read()
    mime = _sniff(data)
    if mime is None:
        raise AttachmentRefused(_("This file type is not accepted. Allowed: PDF, JPG, PNG, DOCX, XLSX, MP3, WAV, M4A."))
    return data, mime


def attachment_store_checked(case, *, data, mime, name, actor=None, kind=Attachment.Kind.EVIDENCE, event=True):
    """Store checked bytes on `case` in the caller's transaction (the caller decides the
    permission); the bytes are removed again if the row cannot be saved. ``event``: record it on
    the timeline (not for a document an action writes, such as a notice's PDF)."""
    now = timezone.now()
    attachment = Attachment(
        case=case, kind=kind, original_name=(name or "file")[-200:], content_type=mime,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor, uploaded_at=now,
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    try:
        attachment.save()
        if event:
            event_record(case, "attachment", actor, data={"attachment": attachment.pk, "type": ALLOWED[mime]}, at=now)
    except Exception:
        # The row is rolled back: remove the stored bytes too, so nothing half-written remains.
        attachment.file.delete(save=False)
        raise
    return attachment
