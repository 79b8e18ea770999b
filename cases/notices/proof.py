"""The checks of a notice's content and proof (SPEC §10), used by the decision action's handler
and by the notice services: the parts Art. 19 names, and a proof of notice that counts (Art. 21)."""
from django.conf import settings
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ValidationFailed

from ..inputs import choice, invalid, to_bool, to_datetime
from ..models import Decision
from ..models.notices import NoticeLanguage

# How far ahead of the server's clock a proof's time may be (a clock a little ahead elsewhere).
FUTURE_MARGIN_SECONDS = 300


class CustomerNotReached(ValidationFailed):
    code = "customer_not_reached"


class NoticeIncomplete(ValidationFailed):
    code = "decision_notice_incomplete"


def notice_language(data):
    """The notice's language: the one chosen, else the portal's (SPEC §10: both languages)."""
    language = (data or {}).get("language") or settings.LANGUAGE_CODE
    return language if language in NoticeLanguage.values else NoticeLanguage.ZH_HANS


def proof_from(data, case, now, *, reached_default=True):
    """The proof of notice in an action's or a form's ``data``: {method, sent_at, evidence,
    customer_reached}, checked: a phone call must have reached the customer (``data``'s
    ``customer_reached``, else ``reached_default``: the decision action's "how the customer
    was told" says it was), and the time must lie between the complaint's receipt and now.
    Empty when ``data`` names no method."""
    method = choice(data, "method", Decision.Method, required=False)
    if not method:
        return {}
    sent_at = to_datetime(data["sent_at"], "sent_at") if data.get("sent_at") else now
    reached = data.get("customer_reached")
    reached = reached_default if reached in (None, "") else to_bool(reached, "customer_reached")
    if method == Decision.Method.PHONE and not reached:
        raise CustomerNotReached(
            _("A phone call is proof of notice only when the customer was reached; record the attempt instead."),
            extra={"fields": {"customer_reached": [_("The customer was not reached.")]}})
    if (sent_at - now).total_seconds() > FUTURE_MARGIN_SECONDS or sent_at < case.received_at:
        raise invalid("sent_at", _("The notice must be dated between the complaint's receipt and now."),
                      _("Out of range."))
    return {"method": method, "sent_at": sent_at, "evidence": (data.get("evidence") or "")[:200],
            "customer_reached": True if method == Decision.Method.PHONE else None}


def decision_parts(case, data):
    """The parts Art. 19 names, the facts and the basis defaulting from the round's
    investigation report; NoticeIncomplete names any that is still missing."""
    report = case.reports.filter(round=case.round).order_by("-submitted_at").first()
    parts = {
        "facts": data.get("facts") or (report.facts if report else ""),
        "basis": data.get("basis") or (report.recommendation if report else ""),
        "decision": data.get("decision") or "",
        "remedies": data.get("remedies") or "",
    }
    missing = [name for name, value in parts.items() if not str(value).strip()]
    if missing:
        raise NoticeIncomplete(
            _("A decision notice must state the facts verified, the basis and reasons, the decision and the "
              "remedies; missing: %(parts)s") % {"parts": ", ".join(missing)},
            extra={"fields": {name: [_("This field is required.")] for name in missing}})
    return parts
