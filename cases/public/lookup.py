"""The customer's status look-up: code + phone → stage in plain words and the due date. Without
the matching phone a code reveals nothing, not even that it exists: both paths do the same
work (one query, one constant-time comparison) and every mismatch returns None. The code is
random (cases.fields), so the look-up cannot be walked."""
import hmac

from django.utils.translation import gettext_lazy as _

from ..identity import phone_normalise
from ..models import CaseDeadline, Complaint
from ..models.case import Outcome, Status
from ..models.deadlines import Stage

# Status → what the customer reads. Internal steps the customer cannot act on are merged.
CUSTOMER_STAGES = {
    Status.RECEIVED: _("Received. We will contact you within 1 working day."),
    Status.ACKNOWLEDGED: _("We have contacted you and are passing your complaint to the department responsible."),
    Status.ASSIGNED: _("The department responsible is looking into your complaint."),
    Status.INVESTIGATING: _("Your complaint is being investigated."),
    Status.REPORTED: _("The investigation is finished; we are preparing our decision."),
    Status.PLAN_PENDING: _("We are preparing our decision."),
    Status.PLAN_APPROVED: _("Our decision is ready and will be sent to you shortly."),
    Status.RESPONDED: _("We have sent you our decision."),
    Status.CLOSED: _("Your complaint is closed."),
    Status.ARCHIVED: _("Your complaint is closed."),
}
REVIEW_STAGE = _("Your request for a review of our decision is being handled.")
WITHDRAWN_STAGE = _("Your complaint is closed: you withdrew it.")
MERGED_STAGE = _("Your complaint has been combined with a related complaint and is handled together with it.")

# Statuses after which no decision is pending, so no due date is shown.
_DECIDED = {Status.RESPONDED, Status.CLOSED, Status.ARCHIVED}
_DUMMY_PHONE = "00000000000"


def _phones_match(stored, given):
    stored_norm = phone_normalise(stored) or stored or ""
    return hmac.compare_digest(stored_norm.encode(), (given or "").encode())


def case_status_for_customer(code, phone):
    """{"stage": text, "due": date or None} for the case with this look-up code and phone; else None."""
    case = (
        Complaint.objects.filter(public_code=code)
        .only("pk", "status", "round", "outcome", "merged_into", "due_overall", "customer_phone")
        .first()
    )
    matched = _phones_match(case.customer_phone if case else _DUMMY_PHONE, phone)
    if case is None or not matched:
        return None
    return customer_stage(case)


def customer_stage(case):
    """The plain-words stage and the decision due date (None once decided or closed)."""
    if case.merged_into_id:
        return {"stage": MERGED_STAGE, "due": None}
    if case.outcome == Outcome.WITHDRAWN:
        return {"stage": WITHDRAWN_STAGE, "due": None}
    if case.status in _DECIDED:
        return {"stage": CUSTOMER_STAGES[case.status], "due": None}
    if case.round > 1:
        due = (CaseDeadline.objects.filter(case=case, stage=Stage.REVIEW)
               .values_list("due_on", flat=True).first())
        return {"stage": REVIEW_STAGE, "due": due}
    return {"stage": CUSTOMER_STAGES[case.status], "due": case.due_overall}
