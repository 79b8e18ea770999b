"""Writes and reads for what the KPI results feed (SPEC §6): bonus rule versions, quarterly
proposals with approval and corrections, per-employee adjustments, promotion eligibility and
training needs.

Permission checks live inside the operations (supervisor for every write), so the pages and
any later API or task follow the same rule. The rule arithmetic is in assessment/bonus.py.
"""
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.models import Complaint, Department, DepartmentMembership, Report, TeamMember
from complaints_portal.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from complaints_portal.common.roles import ADMINISTRATOR, SUPERVISOR, has_role

from . import bonus
from . import calculations as calc
from .bonus_models import (
    BonusApproval,
    BonusProposal,
    BonusRuleSet,
    BonusTier,
    PromotionPolicy,
    RootCauseTopic,
    TrainingPlan,
    TrainingTopic,
)
from .models import FollowUpVisit
from .periods import day_start, local_today, period_bounds, period_parse
from .selectors import annotated_cohort, complaint_cohort, kpi_table


class BonusRulesInvalid(ValidationFailed):
    code = "bonus_rules_invalid"


class BonusNoRules(ApplicationError):
    code = "bonus_no_rules"
    status_code = 409


class BonusConfirmationRequired(ApplicationError):
    code = "bonus_confirmation_required"
    status_code = 409


class BonusNothingToApprove(ApplicationError):
    code = "bonus_nothing_to_approve"
    status_code = 409


class BonusCorrectionInvalid(ValidationFailed):
    code = "bonus_correction_invalid"


def can_manage_results(user):
    return has_role(user, SUPERVISOR)


def can_export_for_hr(user):
    return has_role(user, SUPERVISOR, ADMINISTRATOR)


_ONE_DAY = datetime.timedelta(days=1)


def _require_supervisor(user):
    if not can_manage_results(user):
        raise PermissionDenied()


# ---------------------------------------------------------------------------------------------
# Rule sets


def tier_conditions(tier):
    """The bonus.Condition tuple of a BonusTier row (a blank operator is no condition)."""
    conditions = []
    for kpi, op, threshold in (
        (bonus.COMPLAINT_RATE, tier.complaint_op, tier.complaint_delta),
        (bonus.ON_TIME_RATE, tier.on_time_op, tier.on_time_threshold),
        (bonus.SATISFACTION_RATE, tier.satisfaction_op, tier.satisfaction_threshold),
    ):
        if op:
            conditions.append(bonus.Condition(kpi, op, Decimal(threshold if threshold is not None else 0)))
    return tuple(conditions)


def tier_from_data(data):
    """bonus.Tier from a dict of BonusTier field values (forms, seeds)."""
    row = BonusTier(**{k: v for k, v in data.items() if k in _TIER_FIELDS})
    return bonus.Tier(label=row.label, combine=row.combine, adjustment=Decimal(row.adjustment_percent or 0),
                      conditions=tier_conditions(row))


_TIER_FIELDS = ("order", "label", "combine", "complaint_op", "complaint_delta", "on_time_op", "on_time_threshold",
                "satisfaction_op", "satisfaction_threshold", "adjustment_percent")


def rule_set_tiers(rule_set):
    return [bonus.Tier(label=t.label, combine=t.combine, adjustment=t.adjustment_percent,
                       conditions=tier_conditions(t)) for t in rule_set.tiers.all()]


def rule_set_check(tiers_data, weights):
    """bonus.Validation of tier dicts (in order) and weights, without saving."""
    for data in tiers_data:
        for op, value in (("complaint_op", "complaint_delta"), ("on_time_op", "on_time_threshold"),
                          ("satisfaction_op", "satisfaction_threshold")):
            if data.get(op) and data.get(value) is None:
                return bonus.Validation(errors=[_("Tier %(n)s: a condition needs a threshold.")
                                                % {"n": tiers_data.index(data) + 1}])
    return bonus.rule_set_validate([tier_from_data(d) for d in tiers_data], weights)


@transaction.atomic
def rule_set_create(user, *, name, effective_from, effective_to="", weights, tiers, note=""):
    """Save a new rule version (the next number) with its tiers in the given order.

    Refused with BonusRulesInvalid when a condition is impossible or a value out of range;
    overlapping tiers are accepted and returned as warnings. Returns (rule_set, warnings)."""
    _require_supervisor(user)
    period_parse(effective_from)
    if effective_to:
        period_parse(effective_to)
        if effective_to < effective_from:
            raise BonusRulesInvalid(_("The last quarter comes before the first."))
    validation = rule_set_check(tiers, weights)
    if validation.errors:
        raise BonusRulesInvalid(" ".join(validation.errors), extra={"errors": validation.errors})
    version = (BonusRuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    rule_set = BonusRuleSet.objects.create(
        version=version, name=name, effective_from=effective_from, effective_to=effective_to or "",
        weight_complaint_rate=weights["complaint_rate"], weight_on_time_rate=weights["on_time_rate"],
        weight_satisfaction_rate=weights["satisfaction_rate"], note=note, created_by=user,
    )
    for order, data in enumerate(tiers, start=1):
        values = {k: v for k, v in data.items() if k in _TIER_FIELDS and k != "order"}
        BonusTier.objects.create(rule_set=rule_set, order=order, **values)
    return rule_set, validation.warnings


def rule_set_in_force(quarter):
    """The rule set for a quarter code: the highest version whose range covers it."""
    return (
        BonusRuleSet.objects.filter(effective_from__lte=quarter)
        .filter(Q(effective_to="") | Q(effective_to__gte=quarter))
        .prefetch_related("tiers").order_by("-version").first()
    )


# ---------------------------------------------------------------------------------------------
# Proposals


def _quarter(code):
    period = period_parse(code)
    if period.is_year:
        raise ValidationFailed(_("Bonus proposals are made per quarter, like 2026Q3."), code="invalid_period")
    return period


def _fmt(value, suffix="%"):
    return _("N/A") if value is None else f"{value}{suffix}"


def department_evaluate(row, rule_set, period, as_of):
    """Evaluate one KpiRow against its target with a rule set: (evaluation, score, figures, reason)."""
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
    reason = _(
        "%(dept)s %(quarter)s, KPIs as of %(as_of)s, rules v%(version)s: complaint rate %(cr)s "
        "(%(complaints)s complaints ÷ %(policies)s new policies; target %(crt)s), on-time %(ot)s "
        "(%(on_time)s of %(judged)s), satisfaction %(sat)s (%(satisfied)s of %(revisited)s). %(detail)s"
    ) % {
        "dept": row.department, "quarter": period.code, "as_of": as_of.isoformat(), "version": rule_set.version,
        "cr": _fmt(kpis.complaint_rate), "complaints": row.complaints,
        "policies": _("N/A") if row.new_policies is None else row.new_policies,
        "crt": _fmt(kpis.complaint_target), "ot": _fmt(kpis.on_time_rate), "on_time": row.on_time,
        "judged": row.timeliness_denominator, "sat": _fmt(kpis.satisfaction_rate), "satisfied": row.satisfied,
        "revisited": row.revisited, "detail": evaluation.reason,
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
            "as_of": as_of, "reason": reason,
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
    return annotated_cohort(period, as_of or local_today()).filter(timeliness=calc.Timeliness.PENDING.value).count()


@transaction.atomic
def bonus_quarter_approve(user, quarter, *, confirm=False, note=""):
    """Approve (freeze) the quarter's current proposals; returns the BonusApproval.

    Approving a quarter that already has approved departments, or while cases of the quarter
    are still pending, raises BonusConfirmationRequired unless ``confirm`` is given; the
    approval row records what was confirmed. Frozen rows are not touched again."""
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
    """Correct an approved adjustment: a new version, approved by ``user``, with the reason.

    Without ``adjustment_percent`` the department is re-evaluated with today's KPIs and the
    rules in force; with it, the figure is set by hand and the reason says so. The earlier
    versions stay as they were."""
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
    evaluation, score, figures, text = department_evaluate(row, rule_set, period, as_of)
    values = {
        "rule_set": rule_set, "rule_version": rule_set.version, "figures": figures, "as_of": as_of,
        "composite_score": score,
        "tier_order": None if evaluation.tier_index is None else evaluation.tier_index + 1,
        "tier_label": evaluation.tier.label if evaluation.tier else "",
        "adjustment_percent": evaluation.adjustment, "reason": text,
    }
    if adjustment_percent is not None:
        values.update(adjustment_percent=Decimal(adjustment_percent), tier_order=None, tier_label="",
                      reason=_("Set by hand to %(adj)s%% by %(user)s. Figures for reference: %(text)s")
                      % {"adj": adjustment_percent, "user": user.get_username(), "text": text})
    now = timezone.now()
    approval = BonusApproval.objects.create(quarter=period.code, approved_by=user, approved_at=now,
                                            note=_("Correction of %(dept)s v%(v)s: %(reason)s")
                                            % {"dept": department.code, "v": latest.version, "reason": reason})
    return BonusProposal.objects.create(
        department=department, quarter=period.code, version=latest.version + 1,
        state=BonusProposal.State.APPROVED, approval=approval, approved_by=user, approved_at=now,
        correction_reason=reason, created_by=user, **values,
    )


# ---------------------------------------------------------------------------------------------
# Per employee, for payroll

PAYROLL_HEADER = ["quarter", "department", "department_name", "username", "name", "membership_role",
                  "adjustment_percent", "version", "approved_at", "approved_by"]


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
        yield [quarter, item["department"].code, item["department"].name, user.get_username(),
               user.get_full_name(), item["membership"].role, float(p.adjustment_percent), p.version,
               timezone.localtime(p.approved_at).strftime("%Y-%m-%d %H:%M"), p.approved_by.get_username()]


def payroll_csv(quarter, departments=None):
    return table_csv(PAYROLL_HEADER, _payroll_rows(quarter, departments))


def payroll_xlsx(quarter, departments=None):
    return table_xlsx(f"bonus {quarter}", PAYROLL_HEADER, _payroll_rows(quarter, departments))


def table_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM so that Excel opens the Chinese names as UTF-8.
    return "\ufeff" + out.getvalue()


def table_xlsx(title, header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Promotion and awards


def promotion_thresholds():
    policy = PromotionPolicy.objects.order_by("-created_at", "-id").first()
    if policy is None:
        return bonus.PromotionThresholds()
    return bonus.PromotionThresholds(policy.below_average_ratio, policy.min_cases, policy.on_time_min,
                                     policy.satisfaction_min, policy.plus_points)


@dataclass
class EmployeeReview:
    user: object
    figures: bonus.EmployeeFigures
    decision: bonus.PromotionDecision
    cases: list = field(default_factory=list)  # references handled
    disqualifying: list = field(default_factory=list)  # references


@dataclass
class PromotionReport:
    year: str
    as_of: object
    thresholds: bonus.PromotionThresholds
    average_rate: Decimal | None
    rows: list
    unmatched_names: list


_NAME_SPLIT = re.compile(r"[,，;；、/\n]+")


def _disqualifications(period):
    """user id -> references of major-negative-impact complaints the user was found at fault in.

    Rule: an at-fault investigation report submitted in the year on a complaint flagged
    "major negative impact" puts at fault (1) each user named in its "responsible staff" field
    (matched on username or full name) and (2) the lead of the case's team in the report's
    round, who answers for the case. Names that match no user are returned for a person to
    check, never silently dropped."""
    start, end = period_bounds(period)
    reports = (Report.objects.filter(at_fault=True, submitted_at__gte=start, submitted_at__lt=end,
                                     case__major_negative_impact=True)
               .select_related("case").order_by("submitted_at"))
    users = list(get_user_model().objects.filter(is_active=True))
    by_name = {}
    for user in users:
        by_name.setdefault(user.get_username().lower(), user.pk)
        if user.get_full_name().strip():
            by_name.setdefault(user.get_full_name().strip().lower(), user.pk)
            by_name.setdefault(user.get_full_name().replace(" ", "").lower(), user.pk)
    result, unmatched = {}, []
    for report in reports:
        ref = report.case.reference
        for name in filter(None, (n.strip() for n in _NAME_SPLIT.split(report.responsible_staff or ""))):
            # A piece is a full name ("Wang Wei") or several usernames separated by spaces.
            ids = [by_name.get(name.lower())] if name.lower() in by_name else [
                by_name.get(token.lower()) for token in name.split()]
            if not ids or None in ids:
                unmatched.append((name, ref))
            for user_id in filter(None, ids):
                result.setdefault(user_id, []).append(ref)
        leads = TeamMember.objects.filter(case=report.case, round=report.round, role=TeamMember.Role.LEAD)
        for user_id in leads.values_list("user_id", flat=True):
            result.setdefault(user_id, []).append(ref)
    return {k: sorted(set(v)) for k, v in result.items()}, unmatched


def promotion_review(year, as_of=None):
    """Each employee's plus points or disqualification for a year, with the reasons.

    An employee's cases are the year's complaints (the KPI cohort) where they were on the
    team (any round) or submitted a report. Their "complaint rate" is the share of those cases
    found at fault, compared with the same share over all handled cases; on-time and
    satisfaction follow the KPI definitions on their cases (satisfaction: first completed visit
    of each case). Everyone with a department membership is listed, with or without cases."""
    period = period_parse(year)
    if not period.is_year:
        raise ValidationFailed(_("Promotion is reviewed per year, like 2026."), code="invalid_period")
    as_of = as_of or min(local_today(), period.end)
    cohort = annotated_cohort(period, as_of)
    cases = {c["id"]: c for c in cohort.annotate(judged=F("timeliness")).values("id", "reference", "at_fault", "judged")}
    handlers = set(TeamMember.objects.filter(case_id__in=cases).values_list("user_id", "case_id"))
    handlers |= set(Report.objects.filter(case_id__in=cases).values_list("submitted_by_id", "case_id"))
    ratings = {}
    for case_id, rating in (FollowUpVisit.objects.filter(case_id__in=cases, outcome=FollowUpVisit.Outcome.COMPLETED,
                                                         visited_at__lt=day_start(as_of) + _ONE_DAY)
                            .order_by("visited_at", "id").values_list("case_id", "rating")):
        ratings.setdefault(case_id, rating)
    per_user = {}
    for user_id, case_id in handlers:
        per_user.setdefault(user_id, set()).add(case_id)
    handled_ids = {case_id for _u, case_id in handlers}
    average = bonus.EmployeeFigures(handled=len(handled_ids),
                                    at_fault=sum(1 for i in handled_ids if cases[i]["at_fault"])).complaint_rate
    disqualified, unmatched = _disqualifications(period)
    member_ids = set(DepartmentMembership.objects.values_list("user_id", flat=True))
    thresholds = promotion_thresholds()
    users = get_user_model().objects.filter(pk__in=member_ids | set(per_user) | set(disqualified)).order_by("username")
    rows = []
    for user in users:
        ids = per_user.get(user.pk, set())
        timeliness = [cases[i]["judged"] for i in ids]
        rated = [ratings[i] for i in ids if i in ratings]
        figures = bonus.EmployeeFigures(
            handled=len(ids), at_fault=sum(1 for i in ids if cases[i]["at_fault"]),
            on_time=timeliness.count(calc.Timeliness.ON_TIME.value),
            judged=sum(1 for t in timeliness if t in (calc.Timeliness.ON_TIME.value, calc.Timeliness.LATE.value)),
            satisfied=sum(1 for r in rated if r >= 4), revisited=len(rated),
        )
        refs = disqualified.get(user.pk, [])
        decision = bonus.promotion_decide(figures, average, thresholds, refs)
        rows.append(EmployeeReview(user, figures, decision, sorted(cases[i]["reference"] for i in ids), refs))
    return PromotionReport(period.code, as_of, thresholds, average, rows, unmatched)



PROMOTION_HEADER = ["year", "username", "name", "cases_handled", "at_fault", "at_fault_rate", "average_rate",
                    "on_time_rate", "satisfaction_rate", "plus_points", "disqualified", "reasons",
                    "disqualifying_cases", "cases"]


def _promotion_rows(report):
    for row in report.rows:
        f = row.figures
        yield [report.year, row.user.get_username(), row.user.get_full_name(), f.handled, f.at_fault,
               calc.format_rate(f.complaint_rate), calc.format_rate(report.average_rate),
               calc.format_rate(f.on_time_rate), calc.format_rate(f.satisfaction_rate), row.decision.plus_points,
               "yes" if row.decision.disqualified else "no", "; ".join(row.decision.reasons),
               " ".join(row.disqualifying), " ".join(row.cases)]


def promotion_csv(report):
    return table_csv(PROMOTION_HEADER, _promotion_rows(report))


def promotion_xlsx(report):
    return table_xlsx(f"promotion {report.year}", PROMOTION_HEADER, _promotion_rows(report))


# ---------------------------------------------------------------------------------------------
# Training


def training_needs(period_code, departments=None, as_of=None):
    """Per department: the root causes of its at-fault complaints in the period, mapped to
    training topics, with counts. Causes without a mapping are listed under no topic."""
    period = period_parse(period_code)
    as_of = as_of or local_today()
    qs = complaint_cohort(period, as_of).filter(at_fault=True).exclude(root_cause="")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    mapping = {m.root_cause: m.topic for m in RootCauseTopic.objects.select_related("topic")}
    result = {}
    for group in qs.values("department_id", "root_cause").annotate(n=Count("id")).order_by():
        dept = result.setdefault(group["department_id"], {})
        topic = mapping.get(group["root_cause"])
        entry = dept.setdefault(topic.pk if topic else None, {"topic": topic, "count": 0, "causes": {}})
        entry["count"] += group["n"]
        entry["causes"][group["root_cause"]] = group["n"]
    names = {d.pk: d for d in Department.objects.filter(pk__in=[k for k in result if k is not None])}
    return [
        {"department": names.get(dept_id), "topics": sorted(topics.values(), key=lambda e: -e["count"])}
        for dept_id, topics in sorted(result.items(), key=lambda kv: names[kv[0]].code if kv[0] in names else "")
    ]


@transaction.atomic
def training_plan_create(user, *, topic, department, audience, date, owner, period=""):
    """A training plan for a department on a topic (supervisor)."""
    _require_supervisor(user)
    if not audience.strip():
        raise ValidationFailed(_("Say who the training is for."), code="training_invalid")
    return TrainingPlan.objects.create(topic=topic, department=department, audience=audience, date=date,
                                       owner=owner, period=period, created_by=user)


@transaction.atomic
def training_plan_complete(user, plan, note=""):
    """Record that a plan's training took place. Recording twice keeps the first time."""
    _require_supervisor(user)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.completed_at is None:
        plan.completed_at = timezone.now()
        plan.completion_note = note
        plan.save()
    return plan


def training_effect(plan, window_days=90, today=None):
    """At-fault complaints of the plan's department whose root cause maps to the plan's topic,
    received in the ``window_days`` before the training date and in the same span from it
    (shorter while that span has not passed yet: ``after_days`` says how long)."""
    today = today or local_today()
    causes = list(RootCauseTopic.objects.filter(topic=plan.topic).values_list("root_cause", flat=True))
    before_start = plan.date - datetime.timedelta(days=window_days)
    after_end = min(plan.date + datetime.timedelta(days=window_days), today + _ONE_DAY)
    base = Complaint.objects.filter(department=plan.department, at_fault=True, root_cause__in=causes,
                                    complaint_type="complaint", merged_into__isnull=True)
    before = base.filter(received_at__gte=day_start(before_start), received_at__lt=day_start(plan.date)).count()
    after = base.filter(received_at__gte=day_start(plan.date), received_at__lt=day_start(after_end)).count()
    after_days = max((after_end - plan.date).days, 0)
    return {"before": before, "after": after, "window_days": window_days, "after_days": after_days,
            "fell": after < before if after_days >= window_days else None}


def training_topics():
    return TrainingTopic.objects.filter(active=True)
