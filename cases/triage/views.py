"""The intake form's part of the triage suggestions: the suggestion endpoint (htmx) and what
follows a registration from the form."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError

from .. import services as case_services
from ..permissions import is_clerk
from . import selectors
from .forms import TriageTextForm
from .tasks import record_suggestion_after_commit


@login_required
@require_POST
def triage_suggest(request):
    """htmx: the top three categories, dispute types and departments for the text typed so far,
    with their scores; an empty fragment when there is nothing to suggest. POST, so that the
    complaint text never appears in a URL or an access log."""
    if not is_clerk(request.user):
        raise PermissionDenied
    form = TriageTextForm(request.POST)
    suggestion = None
    if form.is_valid():
        departments = selectors.department_names(active_only=True)
        suggestion = selectors.triage_suggest(form.text(), departments)
    return render(request, "triage/_suggestions.html", {
        "version": suggestion and suggestion["version"],
        "rows": selectors.triage_display(suggestion["targets"], departments) if suggestion else [],
    })


def intake_registered(request, case, dispatch_form):
    """After the intake form registered `case`: dispatch it to the department the clerk chose
    on the form, if any (a refusal, e.g. the department deactivated meanwhile, leaves it
    registered and says why), then have the suggestion kept with it. Returns the case as it is now."""
    department = dispatch_form.cleaned_data.get("department")
    dispatched = ""
    if department is not None:
        try:
            case = case_services.case_transition(actor=request.user, reference=case.reference, action="assign",
                                                 data={"department": department.code})
            dispatched = department.code
        except ApplicationError as exc:
            messages.warning(request, _("Registered, but not dispatched: %(reason)s") % {"reason": exc.message})
    record_suggestion_after_commit(case=case, chosen={
        "category": case.category, "dispute_type": case.dispute_type, "department": dispatched,
    })
    return case
