"""Assessment pages: KPI dashboard with drill-down and exports, targets, follow-up queue.
Supervisors and senior managers see every department, a head the departments they head,
others get 403; a follow-up case the user may not see is a 404 (cases.selectors)."""
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment.kpi.pages import download, page_date, page_departments, page_period
from assessment.warning.surge import surge_alerts_open_count
from cases.models import Department
from cases.models.case import OPEN_STATUSES, Category, Channel, DisputeType, RootCause, Status
from cases.models.deadlines import Stage
from cases.models.flags import CustomerFlag
from cases.selectors import case_get_for_user
from complaints_portal.common.errors import ApplicationError, NotFound
from complaints_portal.common.roles import SUPERVISOR, has_role
from complaints_portal.db_router import replica_view

from . import drilldown as lists
from . import exports, followups, rules, selectors, services
from .forms import AttemptForm, TargetForm, VisitForm
from .mediation import mediation_figures
from .models import FollowUpVisit
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


CHOICES = {"category": Category, "channel": Channel, "dispute_type": DisputeType, "root_cause": RootCause,
           "customer_flags": CustomerFlag}
DIMENSIONS = {"category": gettext_lazy("Category"), "channel": gettext_lazy("Channel"),
              "dispute_type": gettext_lazy("Dispute type"), "root_cause": gettext_lazy("Root cause"),
              "customer_flags": gettext_lazy("Customer flag")}


def _dimension_label(dimension):
    return DIMENSIONS.get(dimension, dimension)


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
        "major_open": lists.major_open_count(departments),
    }
    if context["is_supervisor"]:
        context["surge_alerts_open"] = surge_alerts_open_count()
    context["breakdowns"] = _breakdowns(context)
    context["breakdown_data"] = {chart["key"]: chart["rows"] for chart in context["breakdowns"]}
    return render(request, "assessment/dashboard.html", context)


BREAKDOWN_TITLES = {
    "backlog": gettext_lazy("Backlog by status"), "stage": gettext_lazy("Stage compliance (%)"),
    "category": gettext_lazy("By category"), "channel": gettext_lazy("By channel"), "dispute_type": gettext_lazy("By dispute type"),
    "root_cause": gettext_lazy("Top root causes"), "customer_flags": gettext_lazy("By customer flag"),
}


def _breakdowns(context):
    """The dashboard's breakdowns as charts: [{"key", "title", "rows": [{"label", "n", "url"}]}],
    each bar linking to the drill-down of exactly the cases it counts."""
    drill = reverse("assessment_drilldown") + "?" + context["query"] + "&"

    def rows(items):
        return [{"label": str(label), "n": n, "url": drill + urlencode(params)} for label, n, params in items]

    charts = [
        ("backlog", rows((label, n, {"backlog": code}) for code, label, n in context["backlog"])),
        ("stage", rows((f"{label} ({rates['met']}/{rates['denominator']})",
                        float(rates["rate"]) if rates["rate"] is not None else 0,
                        {"stage": stage, "state": "met"}) for stage, label, rates in context["stages"])),
    ]
    for dimension, values in context["volumes"].items():
        charts.append((dimension, rows((label, n, {"dimension": dimension, "value": value})
                                       for value, label, n in values[:10])))
    return [{"key": key, "title": str(BREAKDOWN_TITLES[key]), "rows": chart_rows} for key, chart_rows in charts]


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
    if dimension and title is None:
        title = f"{_dimension_label(dimension)}: {_choice_label(dimension, value)}"
    return render(request, "assessment/drilldown.html", {
        "cases": cases[:1000], "count": cases.count(), "period": period, "as_of": as_of,
        "figure": figure, "department": department or selectors.ALL, "dimension": dimension, "value": value,
        "title": title, "figure_label": _figure_label(figure), "department_label": _department_label(department),
    })


def _figure_label(figure):
    """A figure by its name in the reader's language: the export's header for it (one list)."""
    labels = dict(exports.COLUMNS)
    if figure in labels:
        return labels[figure]
    try:
        return FollowUpVisit.Outcome(figure).label
    except ValueError:
        return figure


def _department_label(code):
    if code in (None, selectors.ALL):
        return _("Whole company")
    if code == "none":
        return _("Not dispatched")
    return Department.objects.filter(code=code).values_list("name", flat=True).first() or code


@login_required
@replica_view
def kpi_export(request, fmt):
    departments = page_departments(request.user)
    period, as_of = _period_and_as_of(request)
    table = selectors.kpi_table(period, as_of, departments=departments)
    scope = _("All departments") if departments is None else ", ".join(d.name for d in departments)
    name = f"kpi-{period.code}-{as_of.isoformat()}"
    if fmt == "xlsx":
        return download(exports.kpi_table_xlsx(table, scope, request.user), f"{name}.xlsx")
    return download(exports.kpi_table_csv(table, scope, request.user), f"{name}.csv")


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


FOLLOWUP_PAGE_SIZE = 20


@login_required
def followup_queue(request):
    """Cases waiting for a follow-up visit, in two lists: still due (nearest due date first) and
    overdue (the most recently overdue first: those can still be visited soon after the
    decision), a page at a time, each row with its own labelled forms."""
    today = local_today()
    items = followups.followup_queue(request.user)
    overdue = [i for i in items if i["due"] and i["due"] < today]
    due = [i for i in items if not (i["due"] and i["due"] < today)]
    show = "overdue" if request.GET.get("show") == "overdue" else "due"
    shown = sorted(overdue, key=lambda i: i["due"], reverse=True) if show == "overdue" else due
    page = Paginator(shown, FOLLOWUP_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        # Ids per case: every row has the same two forms.
        auto_id = f"fu-{item['case'].pk}-%s"
        item["attempt_form"], item["visit_form"] = AttemptForm(auto_id=auto_id), VisitForm(auto_id=auto_id)
    return render(request, "assessment/followup_queue.html", {
        "page": page, "items": page.object_list, "show": show, "due_count": len(due), "overdue_count": len(overdue),
        "today": today,
    })


def _case_or_404(user, reference):
    """Another department's case is a 404 page, exactly like a missing one (not a 500)."""
    try:
        return case_get_for_user(user, reference)
    except NotFound as exc:
        raise Http404 from exc


def _back_to_queue(request):
    """The queue's tab and page the form was sent from (its Referer, when it is the queue)."""
    queue = reverse("followup_queue")
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) and \
            urlsplit(referer).path == queue:
        return redirect(queue + ("?" + urlsplit(referer).query if urlsplit(referer).query else ""))
    return redirect(queue)


def _followup_post(request, reference, form, record, done, invalid):
    case = _case_or_404(request.user, reference)
    if not form.is_valid():
        messages.error(request, invalid)
        return _back_to_queue(request)
    try:
        record(case, form.cleaned_data)
        messages.success(request, done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back_to_queue(request)


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
