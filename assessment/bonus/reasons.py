"""What a bonus reason says: a proposal's reason is stored as a code and its parameters (plain
JSON: figures as the decimal strings they were computed as), and written when it is read, in the
reader's language (issue: reasons stored as Chinese text showed Chinese on English pages).

The one place each sentence of a bonus reason is worded: the rule evaluation (rules.py) and the
proposals (services/proposals.py) hand parameters over, the pages, exports and admin render them
here. A row written before codes were stored (``code`` blank) shows its stored text, in the
language of the day it was computed, as notification texts do (cases/notification_texts.py).
"""
from django.utils.translation import gettext as _

# Proposal reason codes.
EVALUATED = "evaluated"  # the rule set's evaluation of the department's KPIs
SET_BY_HAND = "set_by_hand"  # a correction's adjustment set by the supervisor, the evaluation for reference
# Approval note codes.
CORRECTION = "correction"  # the approval of a correction: which version it corrects, and why

# Condition states.
COMPARED = "compared"
NOT_AVAILABLE = "na"
NO_TARGET = "no_target"

ALL = "all"


def kpi_label(kpi):
    return {
        "complaint_rate": _("complaint rate"),
        "on_time_rate": _("on-time rate"),
        "satisfaction_rate": _("satisfaction rate"),
    }[kpi]


def _met(met):
    return _("met") if met else _("not met")


def _na(value, suffix="%"):
    return _("N/A") if value is None else f"{value}{suffix}"


def condition_text(p):
    """One condition's sentence: {kpi, state, value, op, target, sign, delta, bound, threshold, met}."""
    if p["kpi"] == "complaint_rate":
        if p["state"] == NOT_AVAILABLE:
            return _("complaint rate N/A (no policies) — not met")
        if p["state"] == NO_TARGET:
            return _("complaint rate %(value)s, no target set — not met") % {"value": p["value"]}
        return _("complaint rate %(value)s %(op)s target %(target)s %(sign)s %(delta)s = %(bound)s: %(result)s") % {
            "value": p["value"], "op": p["op"], "target": p["target"], "sign": p["sign"], "delta": p["delta"],
            "bound": p["bound"], "result": _met(p["met"]),
        }
    if p["state"] == NOT_AVAILABLE:
        return _("%(kpi)s N/A — not met") % {"kpi": kpi_label(p["kpi"])}
    return _("%(kpi)s %(value)s%% %(op)s %(threshold)s%%: %(result)s") % {
        "kpi": kpi_label(p["kpi"]), "value": p["value"], "op": p["op"], "threshold": p["threshold"],
        "result": _met(p["met"]),
    }


def evaluation_text(p):
    """The rule set's verdict: {tier (1-based, None: no tier matched), label, combine, adjustment,
    conditions (of the matching tier)}."""
    if p["tier"] is None:
        return _("No tier matched → no adjustment (0%).")
    all_of = p["combine"] == ALL
    texts = [condition_text(c) for c in p["conditions"]]
    detail = (_(" and ") if all_of else _(" or ")).join(texts) if texts else _("no conditions (applies to all)")
    return _("Tier %(n)s “%(label)s” matched (%(combine)s): %(detail)s → %(adjustment)s%%.") % {
        "n": p["tier"], "label": p["label"], "combine": _("all of") if all_of else _("any of"),
        "detail": detail, "adjustment": p["adjustment"],
    }


def evaluated_text(p):
    """A department's figures for the quarter and the evaluation (code EVALUATED)."""
    return _(
        "%(dept)s %(quarter)s, KPIs as of %(as_of)s, rules v%(version)s: complaint rate %(cr)s "
        "(%(complaints)s complaints ÷ %(policies)s new policies; target %(crt)s), on-time %(ot)s "
        "(%(on_time)s of %(judged)s), satisfaction %(sat)s (%(satisfied)s of %(revisited)s). %(detail)s"
    ) % {
        "dept": p["dept"], "quarter": p["quarter"], "as_of": p["as_of"], "version": p["version"],
        "cr": _na(p["cr"]), "complaints": p["complaints"], "policies": _na(p["policies"], ""),
        "crt": _na(p["crt"]), "ot": _na(p["ot"]), "on_time": p["on_time"], "judged": p["judged"],
        "sat": _na(p["sat"]), "satisfied": p["satisfied"], "revisited": p["revisited"],
        "detail": evaluation_text(p["evaluation"]),
    }


def set_by_hand_text(p):
    """A correction's hand-set adjustment, the evaluation for reference (code SET_BY_HAND)."""
    return _("Set by hand to %(adj)s%% by %(user)s. Figures for reference: %(text)s") % {
        "adj": p["adjustment"], "user": p["user"], "text": evaluated_text(p["evaluated"]),
    }


def correction_text(p):
    """The note of a correction's approval (code CORRECTION): {dept, v (the corrected version), reason}."""
    return _("Correction of %(dept)s v%(v)s: %(reason)s") % {"dept": p["dept"], "v": p["v"], "reason": p["reason"]}


TEXTS = {EVALUATED: evaluated_text, SET_BY_HAND: set_by_hand_text, CORRECTION: correction_text}


def reason_text(code, params, fallback=""):
    """The reason in the active language; ``fallback`` (the stored text) for a row without a code,
    or whose parameters an older version of the wording cannot read."""
    render = TEXTS.get(code)
    if render is None or not params:
        return fallback
    try:
        return render(params)
    except (KeyError, TypeError, ValueError):
        return fallback


def proposal_reason(proposal):
    """A BonusProposal's reason in the active language."""
    return reason_text(proposal.reason_code, proposal.reason_params, proposal.reason)


def approval_note(approval):
    """A BonusApproval's note in the active language (a supervisor's own note is shown as written)."""
    return reason_text(approval.note_code, approval.note_params, approval.note)
