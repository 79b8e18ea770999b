"""Reads of email intake for the case page and the intake queue."""
from .. import selectors
from ..models import InboundMail


def case_inbound_mails(case):
    """The mails a case came from or received, oldest first, with their stored attachments
    (one query when there are none, the usual case)."""
    return list(InboundMail.objects.filter(case=case).select_related("classified_by")
                .prefetch_related("attachments").order_by("received_at", "id"))


def cases_awaiting_classification(user, limit=20):
    """Email complaints the user may see whose category no clerk has confirmed yet, oldest
    first: [{reference, summary, received_at}], at most ``limit``."""
    return list(
        selectors.case_list_visible_to(user)
        .filter(inbound_mails__kind=InboundMail.Kind.NEW_CASE, inbound_mails__classified_at__isnull=True)
        .order_by("received_at").values("reference", "summary", "received_at")[:limit]
    )
