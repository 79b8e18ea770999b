"""Quarterly bonus proposals: run, approve (freeze), correct (new version), payroll."""
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.kpi import calculations as calc
from assessment.kpi.drilldown import judged_cohort
from assessment.kpi.periods import local_today, period_parse
from assessment.kpi.selectors import kpi_table
from cases.models import Department, DepartmentMembership
from complaints_portal.common import sheets
from complaints_portal.common.errors import ValidationFailed

from .. import reasons
from .. import rules as bonus
from ..models import (
    BonusApproval,
    BonusProposal,
)
from .common import (
    BonusConfirmationRequired,
    BonusCorrectionInvalid,
    BonusNoRules,
    BonusNothingToApprove,
    _require_supervisor,
)
from .rulesets import rule_set_in_force, rule_set_tiers


def _quarter(code):
    period = period_parse(code)
    if period.is_year:
        raise ValidationFailed(_("Bonus proposals are made per quarter, like 2026Q3."), code="invalid_period")
    return period


def _text(value):
    return None if value is None else str(value)


def department_evaluate(row, rule_set, period, as_of):
    """Evaluate one KpiRow against its target with a rule set: (evaluation, score, figures, reason),
    the reason as the parameters of reasons.EVALUATED (written in the reader's language when read)."""
    target = row.target
    kpis = bonus.Kpis(
        complaint_rate=row.complaint_rate,
        complaint_target=getattr(target, "complaint_rate", None),
        on_time_rate=row.timeliness_rate,
        satisfaction_rate=row.satisfaction_rate,
    )
    evaluation = bonus.rule_set_evaluate(rule_set_tiers(rule_set), kpis)
    targets = {
        bonus.COMPLAINT_RATE: getattr(target, "complaint_rate", None),
        bonus.ON_TIME_RATE: getattr(target, "on_time_rate", None),
        bonus.SATISFACTION_RATE: getattr(target, "satisfaction_rate", None),
    }
    values = {bonus.COMPLAINT_RATE: kpis.complaint_rate, bonus.ON_TIME_RATE: kpis.on_time_rate,
              bonus.SATISFACTION_RATE: kpis.satisfaction_rate}
    scores = {k: bonus.kpi_score(k, values[k], targets[k]) for k in bonus.KPIS}
    score = bonus.composite_score(scores, rule_set.weights)
    figures = {
        "complaints": row.complaints, "new_policies": row.new_policies,
        "on_time": row.on_time, "judged": row.timeliness_denominator,
        "satisfied": row.satisfied, "revisited": row.revisited, "pending": row.pending,
        **{k: calc.format_rate(v) for k, v in values.items()},
        **{f"{k}_target": calc.format_rate(v) for k, v in targets.items()},
        "scores": {k: None if v is None else str(v.quantize(Decimal("0.01"))) for k, v in scores.items()},
        "weights": {k: str(v) for k, v in rule_set.weights.items()},
    }
    reason = {
        "dept": row.department, "quarter": period.code, "as_of": as_of.isoformat(), "version": rule_set.version,
        "cr": _text(kpis.complaint_rate), "complaints": row.complaints, "policies": row.new_policies,
        "crt": _text(kpis.complaint_target), "ot": _text(kpis.on_time_rate), "on_time": row.on_time,
        "judged": row.timeliness_denominator, "sat": _text(kpis.satisfaction_rate), "satisfied": row.satisfied,
        "revisited": row.revisited, "evaluation": evaluation.params,
    }
    return evaluation, score, figures, reason


def bonus_proposals_current(quarter, departments=None):
    """The latest version of each department's proposal for a quarter, by department code."""
    qs = BonusProposal.objects.filter(quarter=quarter).select_related("department", "approved_by", "rule_set")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    latest = {}
    for proposal in qs.order_by("department__code", "-version"):
        latest.setdefault(proposal.department_id, proposal)
    return sorted(latest.values(), key=lambda p: p.department.code)


@transaction.atomic
def bonus_proposal_run(user, quarter, as_of=None):
    """Evaluate every department's KPIs for the quarter with the rule set in force and store
    the proposals. Safe to re-run: a department whose current version is approved is left
    exactly as it is; a proposed one is recomputed in place. Returns the current proposals."""
    _require_supervisor(user)
    period = _quarter(quarter)
    rule_set = rule_set_in_force(period.code)
    if rule_set is None:
        raise BonusNoRules(_("No bonus rule set is in force for %(q)s.") % {"q": period.code})
    as_of = as_of or local_today()
    table = kpi_table(period, as_of)
    departments = {d.code: d for d in Department.objects.all()}
    latest = {}
    for p in BonusProposal.objects.select_for_update().filter(quarter=period.code).order_by("-version"):
        latest.setdefault(p.department_id, p)
    for row in table.rows:
        dept = departments[row.department]
        existing = latest.get(dept.id)
        if existing is not None and existing.is_frozen:
            continue  # approved rows never change; a correction is a new version
        evaluation, score, figures, reason = department_evaluate(row, rule_set, period, as_of)
        values = {
            "rule_set": rule_set, "rule_version": rule_set.version,
            "tier_order": None if evaluation.tier_index is None else evaluation.tier_index + 1,
            "tier_label": evaluation.tier.label if evaluation.tier else "",
            "adjustment_percent": evaluation.adjustment, "composite_score": score, "figures": figures,
            "as_of": as_of, "reason_code": reasons.EVALUATED, "reason_params": reason, "reason": "",
        }
        if existing is None:
            BonusProposal.objects.create(department=dept, quarter=period.code, version=1, created_by=user, **values)
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
    return bonus_proposals_current(period.code)


def quarter_pending_cases(quarter, as_of=None):
    """Complaints of the quarter still pending (no decision, not yet due) as of today: while
    there are any, the quarter's on-time rate is not final."""
    period = _quarter(quarter)
    return judged_cohort(period, as_of or local_today()).filter(timeliness=calc.Timeliness.PENDING.value).count()


@transaction.atomic
def bonus_quarter_approve(user, quarter, *, confirm=False, note=""):
    """Freeze the quarter's current proposals; with approved departments already or cases still
    pending, BonusConfirmationRequired unless ``confirm``. Returns the BonusApproval."""
    _require_supervisor(user)
    period = _quarter(quarter)
    list(BonusProposal.objects.select_for_update().filter(quarter=period.code).values_list("id", flat=True))
    current = bonus_proposals_current(period.code)
    if not current:
        raise BonusNothingToApprove(_("There are no proposals for %(q)s yet; run the proposal first.")
                                    % {"q": period.code})
    to_approve = [p for p in current if not p.is_frozen]
    already = len(current) - len(to_approve)
    pending = quarter_pending_cases(period.code)
    reasons = []
    if already:
        reasons.append(_("%(n)s department(s) of %(q)s are already approved.") % {"n": already, "q": period.code})
    if pending:
        reasons.append(_("%(n)s case(s) of %(q)s are still pending, so the KPIs are not final.")
                       % {"n": pending, "q": period.code})
    if reasons and not confirm:
        raise BonusConfirmationRequired(" ".join(reasons) + " " + _("Confirm to approve anyway."),
                                        extra={"pending_cases": pending, "already_approved": already})
    now = timezone.now()
    approval = BonusApproval.objects.create(
        quarter=period.code, approved_by=user, approved_at=now, pending_cases=pending,
        already_approved=already, confirmed=bool(reasons) and confirm, note=note,
    )
    for proposal in to_approve:
        proposal.state = BonusProposal.State.APPROVED
        proposal.approval, proposal.approved_by, proposal.approved_at = approval, user, now
        proposal.save()
    return approval


@transaction.atomic
def bonus_proposal_correct(user, department, quarter, *, reason, adjustment_percent=None, as_of=None):
    """Correct an approved adjustment with a new version approved by ``user``: re-evaluated with
    today's KPIs, or ``adjustment_percent`` set by hand; earlier versions stay."""
    _require_supervisor(user)
    period = _quarter(quarter)
    if not (reason or "").strip():
        raise BonusCorrectionInvalid(_("A correction needs a reason."))
    if adjustment_percent is not None and abs(Decimal(adjustment_percent)) > bonus.ADJUSTMENT_LIMIT:
        raise BonusCorrectionInvalid(_("The adjustment must be between −100% and +100%."))
    latest = (BonusProposal.objects.select_for_update().filter(quarter=period.code, department=department)
              .order_by("-version").first())
    if latest is None or not latest.is_frozen:
        raise BonusCorrectionInvalid(_("Only an approved adjustment is corrected; re-run or approve the proposal."))
    rule_set = rule_set_in_force(period.code) or latest.rule_set
    as_of = as_of or local_today()
    row = kpi_table(period, as_of, departments=[department]).rows[0]
    evaluation, score, figures, evaluated = department_evaluate(row, rule_set, period, as_of)
    values = {
        "rule_set": rule_set, "rule_version": rule_set.version, "figures": figures, "as_of": as_of,
        "composite_score": score,
        "tier_order": None if evaluation.tier_index is None else evaluation.tier_index + 1,
        "tier_label": evaluation.tier.label if evaluation.tier else "",
        "adjustment_percent": evaluation.adjustment, "reason_code": reasons.EVALUATED, "reason_params": evaluated,
        "reason": "",
    }
    if adjustment_percent is not None:
        values.update(adjustment_percent=Decimal(adjustment_percent), tier_order=None, tier_label="",
                      reason_code=reasons.SET_BY_HAND, reason_params={
                          "adjustment": str(adjustment_percent), "user": user.get_username(), "evaluated": evaluated})
    now = timezone.now()
    approval = BonusApproval.objects.create(
        quarter=period.code, approved_by=user, approved_at=now, note_code=reasons.CORRECTION,
        note_params={"dept": department.code, "v": latest.version, "reason": reason})
    return BonusProposal.objects.create(
        department=department, quarter=period.code, version=latest.version + 1,
        state=BonusProposal.State.APPROVED, approval=approval, approved_by=user, approved_at=now,
        correction_reason=reason, created_by=user, **values,
    )



# ---------------------------------------------------------------------------------------------
# Per employee, for payroll

PAYROLL_COLUMNS = [
    ("quarter", gettext_lazy("Quarter")), ("department", gettext_lazy("Department")),
    ("username", gettext_lazy("Username")), ("name", gettext_lazy("Name")), ("membership_role", gettext_lazy("Role")),
    ("adjustment_percent", gettext_lazy("Adjustment (%)")), ("version", gettext_lazy("Version")),
    ("approved_at", gettext_lazy("Approved at")), ("approved_by", gettext_lazy("Approved by")),
]


def employee_adjustments(quarter, departments=None):
    """Every member of each department (DepartmentMembership, all roles) with the department's
    current adjustment; ``approved`` False while the department's figure is not frozen. A
    member of two departments appears once per department (payroll decides how to combine)."""
    proposals = {p.department_id: p for p in bonus_proposals_current(quarter, departments)}
    memberships = (DepartmentMembership.objects.filter(department_id__in=proposals)
                   .select_related("user", "department").order_by("department__code", "user__username"))
    return [{"membership": m, "user": m.user, "department": m.department, "proposal": proposals[m.department_id],
             "approved": proposals[m.department_id].is_frozen} for m in memberships]


def _payroll_rows(quarter, departments=None):
    for item in employee_adjustments(quarter, departments):
        if not item["approved"]:
            continue  # payroll only gets frozen figures
        p, user = item["proposal"], item["user"]
        # The username stays: it is the employee's key in the payroll system.
        yield [quarter, item["department"].name, user.get_username(), user.get_full_name(),
               item["membership"].get_role_display(), float(p.adjustment_percent), p.version,
               sheets.local_time(p.approved_at), sheets.person(p.approved_by)]


def _payroll_facts(quarter, departments):
    scope = _("All departments") if departments is None else ", ".join(d.name for d in departments)
    return [(_("Quarter"), quarter), (_("Scope"), scope)]


def payroll_csv(quarter, departments=None, user=None):
    return sheets.sheet_csv(_("Bonus adjustments for payroll"), _payroll_facts(quarter, departments), user,
                            PAYROLL_COLUMNS, _payroll_rows(quarter, departments))


def payroll_xlsx(quarter, departments=None, user=None):
    return sheets.sheet_xlsx(_("Bonus adjustments for payroll"), _payroll_facts(quarter, departments), user,
                             PAYROLL_COLUMNS, _payroll_rows(quarter, departments), sheet_title=f"bonus {quarter}")
