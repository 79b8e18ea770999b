"""The disclosure page (supervisors and senior managers read it; supervisors enter the industry
medians), its XLSX and PDF exports. Thin: the figures are assessment.disclosure.figures."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.kpi.pages import download
from assessment.kpi.periods import MAX_YEAR, MIN_YEAR, local_today
from cases.models.case import Category, Channel, DisputeType
from complaints_portal.common.errors import ApplicationError
from complaints_portal.common.roles import SENIOR_MANAGER, SUPERVISOR, has_role

from . import exports, figures
from .models import IndustryMedian

LABELS = {"channel": Channel, "category": Category, "dispute_type": DisputeType}


def _year(request):
    text = request.GET.get("year") or request.POST.get("year") or str(local_today().year - 1)
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise Http404
    return int(text)


def _reader(request):
    if not has_role(request.user, SUPERVISOR, SENIOR_MANAGER):
        raise DjangoPermissionDenied


def _label(dimension, key):
    if key == figures.UNKNOWN:
        return _("Unknown")
    if dimension in LABELS:
        return str(LABELS[dimension](key).label)
    return _("All") if dimension == "total" else key


def _page(year):
    rows = [(dimension, key, _label(dimension, key), n) for dimension, key, n in figures.disclosure_rows(year)]
    company, benchmarks = figures.benchmarks(year)
    charts = {}
    for dimension, _key, label, n in rows:
        if dimension != "total":
            charts.setdefault(dimension, {"labels": [], "counts": []})
            charts[dimension]["labels"].append(label)
            charts[dimension]["counts"].append(n)
    return {"year": year, "rows": rows, "company": company, "benchmarks": benchmarks,
            "redress": figures.redress_by_kind(year), "charts": charts}


@login_required
def disclosure(request):
    _reader(request)
    year = _year(request)
    fmt = request.GET.get("format")
    page = _page(year)
    if fmt == "xlsx":
        return download(exports.disclosure_xlsx(page), f"disclosure-{year}.xlsx")
    if fmt == "pdf":
        return download(exports.disclosure_pdf(page), f"disclosure-{year}.pdf")
    medians = IndustryMedian.objects.filter(period=str(year)).select_related("entered_by")
    return render(request, "assessment/disclosure/disclosure.html", {
        **page, "medians": {m.metric: m for m in medians}, "is_supervisor": has_role(request.user, SUPERVISOR),
        "metrics": IndustryMedian.Metric.choices,
    })


@require_POST
@login_required
def median_save(request):
    year = _year(request)
    saved = 0
    for metric, _label_text in IndustryMedian.Metric.choices:
        value = (request.POST.get(metric) or "").strip()
        if not value:
            continue
        try:
            figures.median_record(actor=request.user, year=year, metric=metric, value=value,
                                  source=request.POST.get("source", ""))
            saved += 1
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise DjangoPermissionDenied from None
            messages.error(request, f"{IndustryMedian.Metric(metric).label}: {exc.message}")
    if saved:
        messages.success(request, _("Industry medians saved."))
    return redirect(f"{reverse('disclosure')}?year={year}")
