"""Supervision pages, thin over assessment.supervision: supervisors do everything, senior
managers and heads read (heads their departments) and heads close their own items."""
import datetime
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.kpi.pages import download, page_departments, page_period
from assessment.kpi.periods import local_today, previous_quarter
from cases.models import Department
from cases.models.case import RootCause
from cases.permissions import is_supervisor
from complaints_portal.common.errors import ApplicationError, NotFound, ValidationFailed
from complaints_portal.db_router import replica_reads, replica_view

from . import rectifications as rectification_services
from . import reports as report_services
from . import reports_pdf
from . import spot_checks as spot_check_services
from .models import MonthlyReport, Rectification, SpotCheckItem


def supervision_page(*, supervisor_only=False):
    """login_required + the supervision visibility rule: the view gets `departments`
    (None = all). 403 for users without a supervision role."""
    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            departments = page_departments(request.user)
            if supervisor_only and not is_supervisor(request.user):
                raise DjangoPermissionDenied
            try:
                return view(request, *args, departments=departments, **kwargs)
            except NotFound:
                raise Http404 from None
        return wrapper
    return decorator


def _month(request):
    try:
        return report_services.month_parse(request.GET["month"]) if request.GET.get("month") else report_services.previous_month(local_today())
    except ValidationFailed as exc:
        raise Http404(exc.message) from None


def _fail(request, exc):
    fields = exc.extra.get("fields") if isinstance(exc.extra, dict) else None
    detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (fields or {}).items())
    messages.error(request, f"{exc.message} {detail}".strip())


def _attempt(request, action, success):
    """Run one service call: a business error becomes a message on the page, success another;
    NotFound propagates (the decorator turns it into a 404). Returns True on success."""
    try:
        action()
    except NotFound:
        raise
    except ApplicationError as exc:
        _fail(request, exc)
        return False
    messages.success(request, success)
    return True


@supervision_page()
def home(request, departments):
    period = page_period(request, "period", previous_quarter())
    return render(request, "assessment/supervision/home.html", {
        "period": period,
        "summary": spot_check_services.spot_check_summary(period, departments),
        "recurring": rectification_services.recurring_root_causes(period, departments=departments),
        "open_rectifications": rectification_services.rectification_list(request.user, status=Rectification.Status.OPEN).count(),
        "missing_corrective": rectification_services.corrective_missing(departments).count(),
        "open_corrective": rectification_services.corrective_open(departments).count(),
        "is_supervisor": is_supervisor(request.user),
    })


@supervision_page()
def spot_checks(request, departments):
    period = page_period(request, "period", previous_quarter())
    if request.method == "POST":
        if not is_supervisor(request.user):
            raise DjangoPermissionDenied
        try:
            check = spot_check_services.spot_check_draw(
                actor=request.user, period=request.POST.get("period") or period.code,
                department=request.POST.get("department"), size=request.POST.get("size"),
                percent=request.POST.get("percent"), seed=request.POST.get("seed"),
                replace_reason=request.POST.get("replace_reason", ""),
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            if check.took_all:
                messages.warning(request, _("Only %(n)s closed cases exist: all of them were taken.")
                                 % {"n": check.population_size})
            messages.success(request, _("Sample drawn with seed %(seed)s.") % {"seed": check.seed})
            return redirect("supervision_spot_check", pk=check.pk)
    summary = spot_check_services.spot_check_summary(period, departments)
    return render(request, "assessment/supervision/spot_checks.html", {
        "period": period, "summary": summary, "departments": Department.objects.filter(active=True),
        "is_supervisor": is_supervisor(request.user),
    })


@supervision_page()
def spot_check_detail(request, pk, departments):
    check = spot_check_services.spot_check_get(request.user, pk)
    items = check.items.select_related("case", "reviewer").prefetch_related("results__checklist_item")
    return render(request, "assessment/supervision/spot_check.html", {
        "check": check, "items": items, "checklist": spot_check_services.checklist_items(),
        "is_supervisor": is_supervisor(request.user),
    })


@require_POST
@supervision_page(supervisor_only=True)
def spot_check_review(request, pk, item_id, departments):
    item = SpotCheckItem.objects.filter(pk=item_id, spot_check_id=pk).first()
    if item is None:
        raise Http404
    answers = {
        c.code: (request.POST.get(f"{c.code}") == "pass", request.POST.get(f"{c.code}_note", ""))
        for c in spot_check_services.checklist_items() if request.POST.get(c.code) in ("pass", "fail")
    }
    try:
        item = spot_check_services.spot_check_item_review(actor=request.user, item_id=item.pk, answers=answers,
                                         note=request.POST.get("note", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        if item.result == SpotCheckItem.Result.FAILED:
            messages.warning(request, _("Failed: a rectification was opened for the department."))
        else:
            messages.success(request, _("Review recorded."))
    return redirect("supervision_spot_check", pk=pk)


@supervision_page()
def rectifications(request, departments):
    status = request.GET.get("status", Rectification.Status.OPEN)
    rows = rectification_services.rectification_list(request.user, status=status or None)
    return render(request, "assessment/supervision/rectifications.html", {
        "rows": rows, "status": status, "today": local_today(),
    })


@require_POST
@supervision_page()
def rectification_close(request, pk, departments):
    _attempt(request, lambda: rectification_services.rectification_close(
        actor=request.user, rectification_id=pk, note=request.POST.get("note", "")), _("Rectification closed."))
    return redirect("supervision_rectifications")


@supervision_page()
def corrective(request, departments):
    if request.method == "POST":
        try:
            due_on = datetime.date.fromisoformat(request.POST.get("due_on", ""))
        except ValueError:
            due_on = None
        if _attempt(request, lambda: rectification_services.corrective_action_create(
            actor=request.user, reference=request.POST.get("reference", ""),
            root_cause=request.POST.get("root_cause", ""), description=request.POST.get("description", ""),
            owner=request.POST.get("owner", ""), due_on=due_on,
        ), _("Corrective action recorded.")):
            return redirect("supervision_corrective")
    return render(request, "assessment/supervision/corrective.html", {
        "missing": rectification_services.corrective_missing(departments)[:200], "open": rectification_services.corrective_open(departments)[:200],
        "root_causes": RootCause.choices, "today": local_today(),
    })


@require_POST
@supervision_page()
def corrective_complete(request, pk, departments):
    _attempt(request, lambda: rectification_services.corrective_action_complete(
        actor=request.user, action_id=pk, note=request.POST.get("note", "")), _("Corrective action completed."))
    return redirect("supervision_corrective")


@supervision_page()
def recurring(request, departments):
    period = page_period(request, "period", previous_quarter())
    threshold = rectification_services.recurring_threshold(request.GET.get("min"))
    rows = rectification_services.recurring_root_causes(period, threshold=threshold, departments=departments)
    return render(request, "assessment/supervision/recurring.html", {"period": period, "rows": rows, "threshold": threshold})


@supervision_page()
def monthly(request, departments):
    month = _month(request)
    if request.method == "POST":
        report_services.monthly_report_generate(month, actor=request.user)
        messages.success(request, _("Reports of %(month)s generated.") % {"month": month.code})
        return redirect(f"{request.path}?month={month.code}")
    # Reading stored reports may use the replica; generating them (above) reads the primary.
    with replica_reads():
        reports = report_services.monthly_reports_for(request.user, month)
        keys = reports_pdf.ROWS
        # Each figure with last month's beside it, as the PDF has them: a figure without a value
        # (a rate of zero cases is "") shows as "—", never as empty brackets.
        table = [{"key": k, "label": report_services.FIGURE_LABELS[k],
                  "values": [(_shown(r.figures.get(k)), _shown((r.figures.get("previous") or {}).get(k)))
                             for r in reports]}
                 for k in keys]
        charts = [reports_pdf.chart_data(r) for r in reports]
        return render(request, "assessment/supervision/monthly.html", {
            "month": month, "reports": reports, "table": table,
            "top": [list(zip(c["causes"]["labels"], c["causes"]["n"], strict=True)) for c in charts],
            "charts": [{"department": r.department.name, **c} for r, c in zip(reports, charts, strict=True)],
            "colours": {"this": reports_pdf.THIS_MONTH_COLOUR, "last": reports_pdf.LAST_MONTH_COLOUR},
            "prev_month": report_services.previous_month(month.start).code,
            "next_month": report_services.month_period(month.end + datetime.timedelta(days=1)).code,
        })


def _shown(value):
    return "—" if value in (None, "") else value


def _report_for(user, pk, departments):
    qs = MonthlyReport.objects.select_related("department")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    report = qs.filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


@supervision_page()
@replica_view
def monthly_pdf(request, pk, departments):
    report = _report_for(request.user, pk, departments)
    return download(reports_pdf.report_pdf(report), f"report-{report.department.code}-{report.month:%Y-%m}.pdf")


@supervision_page()
@replica_view
def monthly_xlsx(request, departments):
    month = _month(request)
    reports = report_services.monthly_reports_for(request.user, month)
    return download(reports_pdf.reports_xlsx(reports), f"reports-{month.code}.xlsx")


@supervision_page()
@replica_view
def regulator(request, departments):
    period = page_period(request, "period", previous_quarter())
    return render(request, "assessment/supervision/regulator.html", {
        "report": report_services.regulator_report(period, departments), "period": period,
    })


@supervision_page(supervisor_only=True)
def audit(request, departments):
    kinds = request.GET.getlist("kind") or None
    return render(request, "assessment/supervision/audit.html", {
        "entries": report_services.config_audit(limit=30, kinds=kinds),
        "models": [(m._meta.model_name, label) for label, m in report_services.audited_models()],
        "kinds": kinds or [],
    })
