"""The one write of the public channel: register an online complaint with its files."""
from django.db import transaction

from ..services.attachments import attachment_store_checked
from ..services.intake import case_create
from . import messaging


def public_complaint_submit(*, data, files, language, submission=None):
    """Register a complaint from the online form with its checked files (`files`: [(bytes, mime,
    name)]) and the customer's confirmation messages in one transaction (nothing is left behind
    by a failure); raises what case_create raises (AlreadySubmitted for a form token already
    used: nothing is stored again)."""
    stored = []
    try:
        with transaction.atomic():
            case = case_create(actor=None, data=data, public=True, submission=submission)
            for content, mime, name in files:
                stored.append(attachment_store_checked(case, data=content, mime=mime, name=name))
            messaging.send_customer_message(case, "received", language=language)
    except Exception:
        # The rows are rolled back; the bytes already written to storage must go too.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return case
