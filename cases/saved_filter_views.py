"""The all-cases list's saved filters: save the filters shown under a name, delete one. Each
user sees and changes only their own."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError, NotFound

from .forms import CaseFilterForm
from .models import Department
from .permissions import sees_all_cases
from .saved_filters import saved_filter_delete, saved_filter_save


@login_required
@require_POST
def saved_filter_create(request):
    """POST name, with the list's filters in the query string: save them; back to the list."""
    departments = Department.objects.filter(active=True) if sees_all_cases(request.access) else None
    form = CaseFilterForm(request.GET, departments=departments)
    if not form.is_valid():
        messages.error(request, _("These filters cannot be saved."))
        return redirect("case_list")
    try:
        saved = saved_filter_save(request.user, request.POST.get("name", ""), form)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("case_list")
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(reverse("case_list") + ("?" + saved.query if saved.query else ""))


@login_required
@require_POST
def saved_filter_remove(request, pk):
    try:
        saved_filter_delete(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Saved filter deleted."))
    return redirect("case_list")
