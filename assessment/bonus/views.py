"""Results pages (SPEC §6): bonus rules, quarterly proposals, per-employee adjustments and
payroll export, promotion, training. The supervisor does everything, the administrator reads
and exports, a department head reads their departments'; writes go through bonus.services."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.bonus import rules as bonus_rules
from assessment.bonus.services import common as result_files
from assessment.bonus.services import promotion as promotion_services
from assessment.bonus.services import proposals as proposal_services
from assessment.bonus.services import rulesets as ruleset_services
from assessment.bonus.services import training as training_services
from assessment.kpi.pages import download, page_departments, page_period
from assessment.kpi.periods import local_today, period_parse, previous_quarter, quarter_of
from assessment.selectors import RESULTS_COMPANY_ROLES
from complaints_portal.common.errors import ApplicationError
from complaints_portal.common.roles import ADMINISTRATOR, SUPERVISOR, has_role

from .forms import (
    ApproveForm,
    CorrectionForm,
    RuleSetForm,
    TierFormSet,
    TrainingCompleteForm,
    TrainingPlanForm,
)
from .models import BonusApproval, BonusProposal, BonusRuleSet, TrainingPlan


def _require(user, *roles):
    if not has_role(user, *roles):
        raise DjangoPermissionDenied


def _back(name, **query):
    return redirect(f"{reverse(name)}?{urlencode(query)}")


# ---------------------------------------------------------------------------------------------
# Quarterly proposals


@login_required
def results(request, approve_form=None, status=200):
    departments = page_departments(request.user, RESULTS_COMPANY_ROLES)
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    proposals = proposal_services.bonus_proposals_current(period.code, departments)
    is_supervisor = has_role(request.user, SUPERVISOR)
    versions = BonusProposal.objects.filter(quarter=period.code).select_related("department", "approved_by")
    if departments is not None:
        versions = versions.filter(department__in=departments)
    context = {
        "period": period,
        "proposals": proposals,
        "versions": versions.order_by("department__code", "-version"),
        "rule_set": ruleset_services.rule_set_in_force(period.code),
        "is_supervisor": is_supervisor,
        "can_export": result_files.can_export_for_hr(request.user) or departments is not None,
        "pending": proposal_services.quarter_pending_cases(period.code) if is_supervisor else None,
        "approvals": BonusApproval.objects.filter(quarter=period.code).select_related("approved_by")
        if departments is None else [],
        "approve_form": approve_form or ApproveForm(),
        "correction_form": CorrectionForm(),
        "all_approved": bool(proposals) and all(p.is_frozen for p in proposals),
    }
    return render(request, "assessment/bonus/results.html", context, status=status)


@login_required
@require_POST
def results_run(request):
    _require(request.user, SUPERVISOR)
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    try:
        proposal_services.bonus_proposal_run(request.user, period.code)
        messages.success(request, _("Proposals computed for %(q)s.") % {"q": period.code})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back("bonus_results", quarter=period.code)


@login_required
@require_POST
def results_approve(request):
    _require(request.user, SUPERVISOR)
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    form = ApproveForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        proposal_services.bonus_quarter_approve(request.user, period.code, confirm=data.get("confirm", False),
                                  note=data.get("note", ""))
    except result_files.BonusConfirmationRequired as exc:
        # Show the page again with what needs confirming; nothing was approved.
        form.add_error("confirm", exc.message)
        request.GET = request.GET.copy()
        request.GET["quarter"] = period.code
        return results(request, approve_form=form, status=409)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(q)s approved; the adjustments are frozen.") % {"q": period.code})
    return _back("bonus_results", quarter=period.code)


@login_required
@require_POST
def results_correct(request):
    _require(request.user, SUPERVISOR)
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the department and the reason of the correction."))
        return _back("bonus_results", quarter=period.code)
    data = form.cleaned_data
    try:
        proposal = proposal_services.bonus_proposal_correct(request.user, data["department"], period.code, reason=data["reason"],
                                              adjustment_percent=data["adjustment_percent"])
        messages.success(request, _("%(dept)s corrected: version %(v)s.")
                         % {"dept": proposal.department.code, "v": proposal.version})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back("bonus_results", quarter=period.code)


@login_required
def results_employees(request):
    departments = page_departments(request.user, RESULTS_COMPANY_ROLES)
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    return render(request, "assessment/bonus/employees.html", {
        "period": period, "rows": proposal_services.employee_adjustments(period.code, departments),
    })


@login_required
def results_payroll_export(request, fmt):
    departments = page_departments(request.user, RESULTS_COMPANY_ROLES)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    period = page_period(request, "quarter", previous_quarter(), year=False, form=True)
    if fmt == "xlsx":
        content = proposal_services.payroll_xlsx(period.code, departments, request.user)
    else:
        content = proposal_services.payroll_csv(period.code, departments, request.user)
    return download(content, f"bonus-{period.code}.{fmt}")


# ---------------------------------------------------------------------------------------------
# Rule sets


@login_required
def rules(request):
    _require(request.user, SUPERVISOR, ADMINISTRATOR)
    rule_sets = BonusRuleSet.objects.prefetch_related("tiers").select_related("created_by")
    items = [{"rule_set": r, "warnings": bonus_rules.rule_set_validate(ruleset_services.rule_set_tiers(r), r.weights).warnings}
             for r in rule_sets]
    return render(request, "assessment/bonus/rules.html", {
        "items": items, "is_supervisor": has_role(request.user, SUPERVISOR),
    })


def _initial_from(rule_set):
    form_initial = {
        "name": rule_set.name, "effective_from": quarter_of(local_today()).code,
        "weight_complaint_rate": rule_set.weight_complaint_rate, "weight_on_time_rate": rule_set.weight_on_time_rate,
        "weight_satisfaction_rate": rule_set.weight_satisfaction_rate,
    }
    tiers = [{f: getattr(t, f) for f in ("label", "combine", "complaint_op", "complaint_delta", "on_time_op",
                                         "on_time_threshold", "satisfaction_op", "satisfaction_threshold",
                                         "adjustment_percent")} for t in rule_set.tiers.all()]
    return form_initial, tiers


@login_required
def rules_new(request):
    """Save a new rule version (rules are never edited in place: proposals keep theirs)."""
    _require(request.user, SUPERVISOR)
    base = None
    if request.GET.get("from"):
        base = get_object_or_404(BonusRuleSet, pk=request.GET["from"])
    initial, tiers_initial = _initial_from(base) if base else ({"effective_from": quarter_of(local_today()).code}, [])
    form = RuleSetForm(request.POST or None, initial=initial)
    formset = TierFormSet(request.POST or None, initial=tiers_initial, prefix="tiers")
    warnings = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            rule_set, warnings = ruleset_services.rule_set_create(
                request.user, name=data["name"], effective_from=data["effective_from"],
                effective_to=data["effective_to"], weights=form.weights, tiers=formset.tiers(), note=data["note"])
        except ApplicationError as exc:
            for error in exc.extra.get("errors") or [exc.message]:
                form.add_error(None, error)
        else:
            messages.success(request, _("Rule version %(v)s saved.") % {"v": rule_set.version})
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("bonus_rules")
    return render(request, "assessment/bonus/rule_form.html", {"form": form, "formset": formset, "base": base})


# ---------------------------------------------------------------------------------------------
# Promotion


@login_required
def promotion(request):
    _require(request.user, SUPERVISOR, ADMINISTRATOR)
    period = page_period(request, "year", period_parse(str(local_today().year - 1)), year=True, form=True)
    return render(request, "assessment/bonus/promotion.html", {
        "report": promotion_services.promotion_review(period.code), "period": period,
    })


@login_required
def promotion_export(request, fmt):
    _require(request.user, SUPERVISOR, ADMINISTRATOR)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    period = page_period(request, "year", period_parse(str(local_today().year - 1)), year=True, form=True)
    report = promotion_services.promotion_review(period.code)
    export = promotion_services.promotion_xlsx if fmt == "xlsx" else promotion_services.promotion_csv
    content = export(report, request.user)
    return download(content, f"promotion-{period.code}.{fmt}")


# ---------------------------------------------------------------------------------------------
# Training


@login_required
def training(request, plan_form=None):
    departments = page_departments(request.user, RESULTS_COMPANY_ROLES)
    period = page_period(request, "period", previous_quarter(), form=True)
    plans = TrainingPlan.objects.select_related("topic", "department", "owner")
    if departments is not None:
        plans = plans.filter(department__in=departments)
    plans = list(plans[:200])
    return render(request, "assessment/bonus/training.html", {
        "period": period,
        "needs": training_services.training_needs(period.code, departments),
        "plans": [{"plan": p, "effect": training_services.training_effect(p)} for p in plans],
        "is_supervisor": has_role(request.user, SUPERVISOR),
        "plan_form": plan_form or TrainingPlanForm(initial={"date": local_today()}),
        "complete_form": TrainingCompleteForm(),
    })


@login_required
@require_POST
def training_plan_create(request):
    _require(request.user, SUPERVISOR)
    form = TrainingPlanForm(request.POST)
    period = request.POST.get("period", "")
    if form.is_valid():
        try:
            training_services.training_plan_create(request.user, period=period, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Training plan saved."))
            return _back("bonus_training", period=period or previous_quarter().code)
    return training(request, plan_form=form)


@login_required
@require_POST
def training_plan_complete(request, pk):
    _require(request.user, SUPERVISOR)
    plan = get_object_or_404(TrainingPlan, pk=pk)
    form = TrainingCompleteForm(request.POST)
    form.is_valid()
    training_services.training_plan_complete(request.user, plan, note=form.cleaned_data.get("note", ""))
    messages.success(request, _("Training recorded as completed."))
    return _back("bonus_training", period=plan.period or previous_quarter().code)
