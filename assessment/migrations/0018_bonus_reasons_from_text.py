"""Bonus proposals computed before reasons were stored as codes: their reason is rebuilt as a code
and parameters from what the row keeps (department, quarter, KPI date, rule version, figures) and
the rule set's tiers, and kept only when it renders, in Chinese or in English, exactly as the
stored text (so nothing is changed that the text does not say). A row whose text cannot be
matched keeps its text, which is shown as it is (reasons.proposal_reason). The notes of
corrections' approvals likewise, from the correcting proposal (its department, the version it
corrects, its correction reason)."""
from decimal import Decimal

from django.db import migrations
from django.utils import translation

LANGUAGES = ("zh-hans", "en")


def _decimal(text):
    return None if text in (None, "") else Decimal(text)


def _tiers(rule_set):
    from assessment.bonus import rules

    tiers = []
    for tier in rule_set.tiers.order_by("order"):
        conditions = tuple(
            rules.Condition(kpi, op, Decimal(threshold if threshold is not None else 0))
            for kpi, op, threshold in (
                (rules.COMPLAINT_RATE, tier.complaint_op, tier.complaint_delta),
                (rules.ON_TIME_RATE, tier.on_time_op, tier.on_time_threshold),
                (rules.SATISFACTION_RATE, tier.satisfaction_op, tier.satisfaction_threshold),
            ) if op
        )
        tiers.append(rules.Tier(tier.label, tier.combine, tier.adjustment_percent, conditions))
    return tiers


def _evaluated(proposal):
    """The EVALUATED parameters of ``proposal`` as department_evaluate wrote them, or None."""
    from assessment.bonus import rules

    f = proposal.figures or {}
    if proposal.rule_set_id is None or "complaints" not in f:
        return None
    kpis = rules.Kpis(complaint_rate=_decimal(f.get("complaint_rate")),
                      complaint_target=_decimal(f.get("complaint_rate_target")),
                      on_time_rate=_decimal(f.get("on_time_rate")),
                      satisfaction_rate=_decimal(f.get("satisfaction_rate")))
    evaluation = rules.rule_set_evaluate(_tiers(proposal.rule_set), kpis)

    def text(value):
        return None if value is None else str(value)

    return {
        "dept": proposal.department.code, "quarter": proposal.quarter, "as_of": proposal.as_of.isoformat(),
        "version": proposal.rule_version, "cr": text(kpis.complaint_rate), "complaints": f.get("complaints"),
        "policies": f.get("new_policies"), "crt": text(kpis.complaint_target), "ot": text(kpis.on_time_rate),
        "on_time": f.get("on_time"), "judged": f.get("judged"), "sat": text(kpis.satisfaction_rate),
        "satisfied": f.get("satisfied"), "revisited": f.get("revisited"), "evaluation": evaluation.params,
    }


def _candidates(proposal, evaluated):
    """(code, params) the row's text may have been written from."""
    from assessment.bonus import reasons

    yield reasons.EVALUATED, evaluated
    user = proposal.approved_by or proposal.created_by
    if user is not None:
        adjustment = proposal.adjustment_percent
        for shown in {str(adjustment), format(adjustment.normalize(), "f")}:
            yield reasons.SET_BY_HAND, {"adjustment": shown, "user": user.username, "evaluated": evaluated}


def _matching(proposal):
    evaluated = _evaluated(proposal)
    if evaluated is None:
        return None
    for code, params in _candidates(proposal, evaluated):
        if _rendered_as(code, params, proposal.reason):
            return code, params
    return None


def _rendered_as(code, params, text):
    from assessment.bonus import reasons

    for language in LANGUAGES:
        with translation.override(language):
            if reasons.reason_text(code, params) == text:
                return True
    return False


def notes_from_text(apps):
    from assessment.bonus import reasons

    BonusApproval = apps.get_model("assessment", "BonusApproval")
    for approval in BonusApproval.objects.filter(note_code="").exclude(note="").iterator():
        corrected = approval.proposals.select_related("department").filter(version__gt=1).first()
        if corrected is None:
            continue  # a supervisor's own note
        params = {"dept": corrected.department.code, "v": corrected.version - 1, "reason": corrected.correction_reason}
        if _rendered_as(reasons.CORRECTION, params, approval.note):
            BonusApproval.objects.filter(pk=approval.pk).update(note_code=reasons.CORRECTION, note_params=params,
                                                                note="")


def reasons_from_text(apps, schema_editor):
    BonusProposal = apps.get_model("assessment", "BonusProposal")
    rows = BonusProposal.objects.filter(reason_code="").exclude(reason="").select_related(
        "department", "rule_set", "approved_by", "created_by")
    for proposal in rows.iterator():
        matched = _matching(proposal)
        if matched is not None:
            # The history keeps the text (a migration writes no history row; the text is the record).
            BonusProposal.objects.filter(pk=proposal.pk).update(
                reason_code=matched[0], reason_params=matched[1], reason="")
    notes_from_text(apps)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0017_bonus_reason_codes")]

    operations = [migrations.RunPython(reasons_from_text, migrations.RunPython.noop)]
