"""Public pages: no login. Thin: rate limits and the honeypot here, the write in services."""
import logging

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from complaints_portal.common.errors import ApplicationError, CalendarMissing

from ..models import Complaint
from ..services.submissions import AlreadySubmitted
from . import ratelimit
from .forms import HONEYPOT_FIELD, PublicComplaintForm, StatusLookupForm
from .lookup import case_status_for_customer
from .services import public_complaint_submit

logger = logging.getLogger(__name__)

SESSION_KEY = "public_last_case"


def _too_many(request, limit_name):
    response = render(request, "public/rate_limited.html", {"hotline": settings.CUSTOMER_HOTLINE}, status=429)
    response["Retry-After"] = str(ratelimit.retry_after(limit_name))
    return response


@require_http_methods(["GET", "POST"])
def complaint_form(request):
    """The online complaint form (SPEC §2 fields a customer can give)."""
    if request.method != "POST":
        return render(request, "public/complaint_form.html", {"form": PublicComplaintForm()})
    if not ratelimit.hit("complaint_ip", ratelimit.client_ip(request)):
        return _too_many(request, "complaint_ip")
    if request.POST.get(HONEYPOT_FIELD):
        # A bot: answer like a success so it learns nothing, and store nothing.
        logger.info("Public complaint refused: honeypot filled")
        return render(request, "public/complaint_done.html", {"case": None})
    form = PublicComplaintForm(request.POST, request.FILES)
    if form.is_valid():
        if not ratelimit.hit("complaint_phone", form.cleaned_data["customer_phone"]):
            return _too_many(request, "complaint_phone")
        try:
            case = public_complaint_submit(data=form.case_data(), files=form.checked_files,
                                           language=translation.get_language(),
                                           submission=form.submission("public_form"))
        except AlreadySubmitted as exc:
            # The same form sent again (a double click, a reload): the complaint it registered.
            request.session[SESSION_KEY] = exc.case.pk
            return redirect("public_complaint_done")
        except CalendarMissing:
            logger.error("Public complaint refused: the working-day calendar does not cover its deadlines")
            form.add_error(None, _("We cannot register complaints online at the moment. "
                                   "Please try again later or call our hotline."))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[SESSION_KEY] = case.pk
            return redirect("public_complaint_done")
    return render(request, "public/complaint_form.html", {"form": form})


@require_GET
def complaint_done(request):
    """Reference number and next steps of the complaint this browser just filed."""
    pk = request.session.get(SESSION_KEY)
    case = Complaint.objects.filter(pk=pk).first() if pk else None
    if case is None:
        return redirect("public_complaint_form")
    return render(request, "public/complaint_done.html", {"case": case})


@require_http_methods(["GET", "POST"])
def status_lookup(request):
    """Look-up code + phone → stage and due date, one generic message for every mismatch; POST only
    (no phone in a URL), limited per client per hour and in failures per day."""
    result, not_found = None, False
    if request.method != "POST":
        form = StatusLookupForm()
    else:
        client = ratelimit.client_ip(request)
        if not ratelimit.hit("status_ip", client):
            return _too_many(request, "status_ip")
        if ratelimit.exceeded("status_failures_ip", client):
            return _too_many(request, "status_failures_ip")
        form = StatusLookupForm(request.POST)
        if form.is_valid():
            result = case_status_for_customer(form.cleaned_data["code"], form.cleaned_data["phone"])
            if result is None:
                ratelimit.hit("status_failures_ip", client)
                not_found = True
    return render(request, "public/status.html", {"form": form, "result": result, "not_found": not_found})


@require_GET
def privacy_notice(request):
    return render(request, "public/privacy.html")
