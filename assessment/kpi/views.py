"""Assessment pages: KPI dashboard with drill-down and exports, targets, follow-up queue.
Supervisors and senior managers see every department, a head the departments they head,
others get 403; a follow-up case the user may not see is a 404 (cases.selectors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.kpi.pages import download, page_date, page_departments, page_period
from assessment.warning.surge import surge_alerts_open_count
from cases.models.case import OPEN_STATUSES, Category, Channel, DisputeType, RootCause, Status
from cases.models.deadlines import Stage
from cases.selectors import case_get_for_user
from complaints_portal.common.errors import ApplicationError, NotFound
from complaints_portal.common.roles import SUPERVISOR, has_role
from complaints_portal.db_router import replica_view

from . import drilldown as lists
from . import exports, followups, rules, selectors, services
from .forms import AttemptForm, TargetForm, VisitForm
from .mediation import mediation_figures
from .periods import (
    local_today,
    previous_quarter,
    quarter_of,
    quarters_ending,
)


def _period_and_as_of(request):
    # The quarter in progress by default: the dashboard is watched while the quarter runs.
    return page_period(request, "period", quarter_of(local_today())), page_date(request, "as_of", local_today())


def _status(value, target, lower_is_better=False):
    if value is None or target is None:
        return ""
    good = value <= target if lower_is_better else value >= target
    return "success" if good else "danger"


CHOICES = {"category": Category, "channel": Channel, "dispute_type": DisputeType, "root_cause": RootCause}


def _choice_label(dimension, value):
    try:
        return CHOICES[dimension](value).label
    except (KeyError, ValueError):
        return value or "—"


@login_required
@replica_view
def dashboard(request):
    departments = page_departments(request.user)
    period, as_of = _period_and_as_of(request)
    table = selectors.kpi_table(period, as_of, departments=departments)
    rows = []
    for row in [*table.rows, table.company]:
        target = row.target
        rows.append({
            "row": row,
            "complaint_rate_class": _status(row.complaint_rate, target and target.complaint_rate, lower_is_better=True),
            "timeliness_class": _status(row.timeliness_rate, target and target.on_time_rate),
            "satisfaction_class": _status(row.satisfaction_rate, target and target.satisfaction_rate),
        })
    trend = {"labels": [], "timeliness": [], "satisfaction": [], "complaint_rate": []}
    for quarter in quarters_ending(period, 8):
        quarter_as_of = min(as_of, local_today())
        if quarter.code == period.code and quarter_as_of == as_of:
            company = table.company  # the quarter shown: already computed above
        else:
            company = selectors.kpi_table(quarter, quarter_as_of, departments=departments).company
        trend["labels"].append(quarter.code)
        for key, value in (("timeliness", company.timeliness_rate), ("satisfaction", company.satisfaction_rate),
                           ("complaint_rate", company.complaint_rate)):
            trend[key].append(None if value is None else float(value))
    backlog, overdue = lists.backlog_counts(departments)
    context = {
        "table": table,
        "rows": rows,
        "period": period,
        "as_of": as_of,
        "trend": trend,
        "backlog": [(code, Status(code).label, n) for code, n in sorted(backlog.items())],
        "overdue": overdue,
        "volumes": {dim: [(value, _choice_label(dim, value), n) for value, n in counts]
                    for dim, counts in lists.volumes(period, as_of, departments).items()},
        "stages": [(stage, Stage(stage).label, rates) for stage, rates in table.company.stage_rates.items()],
        "query": f"period={period.code}&as_of={as_of.isoformat()}",
        "is_supervisor": has_role(request.user, SUPERVISOR),
        "mediation": mediation_figures(period, as_of, departments),
    }
    if context["is_supervisor"]:
        context["surge_alerts_open"] = surge_alerts_open_count()
    return render(request, "assessment/dashboard.html", context)


@login_required
@replica_view
def drilldown(request):
    """The cases behind one figure: exactly those counted."""
    departments = page_departments(request.user)
    period, as_of = _period_and_as_of(request)
    figure, department = request.GET.get("figure", "complaints"), request.GET.get("department") or None
    dimension, value = request.GET.get("dimension"), request.GET.get("value")
    backlog, stage, state = request.GET.get("backlog"), request.GET.get("stage"), request.GET.get("state")
    if departments is not None and department not in {d.code for d in departments}:
        if department not in (None, selectors.ALL):
            raise Http404
        department = None
    title = None
    try:
        if backlog == "overdue":
            cases, title = lists.overdue_now(departments), _("Overdue now")
        elif backlog:
            if backlog not in {s.value for s in OPEN_STATUSES}:
                raise KeyError(backlog)
            cases = lists.backlog_cases(departments).filter(status=backlog)
            title = _("Backlog: %(status)s") % {"status": Status(backlog).label}
        elif stage:
            states = rules.STAGE_FIGURES[state]
            cases = lists.stage_cases(period, stage, states, as_of, departments)
            title = (_("Stage %(stage)s met on time") if state == "met" else _(
                "Stage %(stage)s met on time or late")) % {"stage": Stage(stage).label}
        elif dimension:
            cases = lists.volume_cases(period, as_of, dimension, value, departments)
        else:
            cases = lists.kpi_cases(period, figure, department, as_of)
    except (KeyError, ValueError):  # unknown figure, dimension, status or stage
        raise Http404 from None
    if departments is not None:
        cases = cases.filter(department__in=departments)
    cases = cases.select_related("department").order_by("received_at")
    return render(request, "assessment/drilldown.html", {
        "cases": cases[:1000], "count": cases.count(), "period": period, "as_of": as_of,
        "figure": figure, "department": department or selectors.ALL, "dimension": dimension, "value": value,
        "title": title,
    })


@login_required
@replica_view
def kpi_export(request, fmt):
    departments = page_departments(request.user)
    period, as_of = _period_and_as_of(request)
    table = selectors.kpi_table(period, as_of, departments=departments)
    scope = _("All departments") if departments is None else ", ".join(d.code for d in departments)
    name = f"kpi-{period.code}-{as_of.isoformat()}"
    if fmt == "xlsx":
        return download(exports.kpi_table_xlsx(table, scope), f"{name}.xlsx")
    return download(exports.kpi_table_csv(table, scope), f"{name}.csv")


@login_required
def targets(request):
    if not has_role(request.user, SUPERVISOR):
        raise DjangoPermissionDenied
    form = TargetForm(request.POST or None, initial={"period": previous_quarter().code})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_set(request.user, data["period"], data["department"], complaint_rate=data["complaint_rate"],
                                on_time_rate=data["on_time_rate"], satisfaction_rate=data["satisfaction_rate"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Targets saved."))
            return redirect("assessment_targets")
    from .models import Target

    return render(request, "assessment/targets.html", {
        "form": form, "targets": Target.objects.select_related("department").order_by("-period", "department__code")[:100],
    })


@login_required
def followup_queue(request):
    """Cases waiting for a follow-up visit, nearest due date first."""
    return render(request, "assessment/followup_queue.html", {
        "items": followups.followup_queue(request.user), "attempt_form": AttemptForm(), "visit_form": VisitForm(),
        "today": local_today(),
    })


def _case_or_404(user, reference):
    """Another department's case is a 404 page, exactly like a missing one (not a 500)."""
    try:
        return case_get_for_user(user, reference)
    except NotFound as exc:
        raise Http404 from exc


def _followup_post(request, reference, form, record, done, invalid):
    case = _case_or_404(request.user, reference)
    if not form.is_valid():
        messages.error(request, invalid)
        return redirect(reverse("followup_queue"))
    try:
        record(case, form.cleaned_data)
        messages.success(request, done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("followup_queue"))


@login_required
@require_POST
def followup_attempt(request, reference):
    return _followup_post(request, reference, AttemptForm(request.POST), lambda case, data: (
        followups.followup_attempt_record(case, request.user, channel=data["channel"], result=data["result"],
                                          note=data["note"])
    ), _("Attempt recorded."), _("Please correct the attempt form."))


@login_required
@require_POST
def followup_visit(request, reference):
    return _followup_post(request, reference, VisitForm(request.POST), lambda case, data: (
        followups.followup_record(case, request.user, data["outcome"], rating=data["rating"], comment=data["comment"])
    ), _("Follow-up visit recorded."), _("Please correct the visit form."))
