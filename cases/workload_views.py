"""Work management pages (SPEC §14): the ticked cases of a queue in one go; the caseload; the
routing rules' department for the intake form."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError

from . import selectors
from .actions.forms import bulk_forms
from .actions.table import ACTIONS
from .permissions import is_clerk
from .routing import routed_department
from .services import bulk_transition


@login_required
@require_POST
def bulk_action(request):
    """Applies the chosen bulk action to the ticked cases and shows what became of each."""
    forms = bulk_forms(request.access, request.POST)
    if not forms:  # a role with no action it may apply to several cases
        raise DjangoPermissionDenied
    name = request.POST.get("action", "")
    form, outcomes, error = forms.get(name), [], ""
    if form is None:
        error = _("Choose what to do with the ticked cases.")
    elif not form.is_valid():
        error = " ".join(f"{form[field].label}: {' '.join(errors)}" if field in form.fields else " ".join(errors)
                         for field, errors in form.errors.items())
    else:
        try:
            outcomes = bulk_transition(actor=request.access, references=request.POST.getlist("cases"), action=name,
                                       data=form.to_data())
        except ApplicationError as exc:
            error = exc.message
    return render(request, "cases/bulk_result.html", {
        "title": ACTIONS[name].title if name in ACTIONS else _("Bulk action"), "outcomes": outcomes, "error": error,
        "done": sum(o.ok for o in outcomes),
    }, status=400 if error else 200)


@login_required
def caseload(request):
    """Open cases per department and per investigator, with their nearest due dates."""
    departments, people = selectors.caseload(request.access)
    return render(request, "cases/caseload.html", {"departments": departments, "people": people})


@login_required
@require_POST
def intake_route(request):
    """The intake form asks, as the clerk fills it in, which department the routing rules name
    (POST: the form's fields stay out of URLs). ``{"department": code or ""}``."""
    if not is_clerk(request.access):
        raise DjangoPermissionDenied
    department = routed_department(**{name: request.POST.get(name, "")[:100] for name in
                                      ("category", "dispute_type", "channel", "product_line")})
    return JsonResponse({"department": department.code if department else ""})
