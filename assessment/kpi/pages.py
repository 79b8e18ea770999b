"""What the pages of the three packages share: whose figures the user may see (403 for anyone
else), the period asked in the query (404 when it is not one) and file downloads."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse

from assessment.selectors import KPI_COMPANY_ROLES, departments_visible_to
from complaints_portal.common.errors import PermissionDenied

from .periods import InvalidPeriod, date_parse, period_parse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def page_departments(user, company_roles=KPI_COMPANY_ROLES):
    """selectors.departments_visible_to for a page: None (all) or a queryset; 403 otherwise."""
    try:
        return departments_visible_to(user, company_roles)
    except PermissionDenied:
        raise DjangoPermissionDenied from None


def page_period(request, name, default, *, year=None, form=False, parse=period_parse):
    """The period (or, with ``parse=date_parse``, the date) named in the query (or, with
    ``form``, the posted form), ``default`` when absent; 404 when it is not one, or not of the
    wanted kind (``year``: True, False, or None for either)."""
    text = request.GET.get(name) or (request.POST.get(name) if form else None)
    if not text:
        return default
    try:
        value = parse(text)
    except InvalidPeriod as exc:
        raise Http404(exc.message) from None
    if year is not None and parse is period_parse and value.is_year != year:
        raise Http404
    return value


def page_date(request, name, default):
    return page_period(request, name, default, parse=date_parse)


def download(content, filename):
    """``content`` as an attachment named ``filename`` (its extension gives the type)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[filename.rsplit(".", 1)[1]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
