"""The email intake pieces of the case page and the intake queue (templates/cases/inbound/)."""
from django import template

from ..inbound.forms import ClassifyForm
from ..inbound.selectors import case_inbound_mails, cases_awaiting_classification
from ..models.case import Status
from ..permissions import is_clerk

register = template.Library()


@register.inclusion_tag("cases/inbound/_correspondence.html", takes_context=True)
def inbound_correspondence(context, case):
    """The case's mails (the complaint itself when it came by email, and the customer's replies),
    with the category confirmation for a clerk while the case awaits it."""
    user = context["request"].user
    mails = case_inbound_mails(case)
    awaiting = any(mail.awaiting_classification for mail in mails)
    may_classify = awaiting and case.status != Status.ARCHIVED and is_clerk(user)
    form = ClassifyForm(initial={"category": case.category, "misconduct_kind": case.misconduct_kind,
                                 "dispute_type": case.dispute_type}) if may_classify else None
    return {"case": case, "mails": mails, "awaiting": awaiting, "classify_form": form,
            "may_see_personal": context.get("may_see_personal", False), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("cases/inbound/_awaiting.html", takes_context=True)
def email_cases_awaiting(context):
    """The intake queue's list of email complaints whose category waits for a clerk."""
    return {"cases": cases_awaiting_classification(context["request"].user)}
