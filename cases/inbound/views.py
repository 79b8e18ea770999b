"""The one page action of email intake: the clerk confirms an email complaint's category."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError, NotFound, PermissionDenied

from .classification import email_case_classify
from .forms import ClassifyForm


@login_required
@require_POST
def classify(request, reference):
    """POST from the case page's email section; back to the case page with the outcome. The
    service checks the values (a case the user may not see is a 404 before anything else)."""
    data = {name: request.POST.get(name, "") for name in ClassifyForm.base_fields}
    try:
        email_case_classify(actor=request.user, reference=reference, data=data)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Category confirmed."))
    return redirect("case_detail", reference=reference)
