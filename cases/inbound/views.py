"""Email intake on the pages: the case page's correspondence section and the one page action,
the clerk's confirmation of an email complaint's category."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError, NotFound, PermissionDenied

from ..models.case import Status
from ..permissions import is_clerk
from .classification import email_case_classify
from .forms import ClassifyForm
from .selectors import case_inbound_mails


def correspondence(access, case):
    """What the case page's email section shows (jinja2/cases/inbound/_correspondence.html): the
    case's mails, whether its category awaits confirmation and, for a clerk then, the form."""
    mails = case_inbound_mails(case)
    awaiting = any(mail.awaiting_classification for mail in mails)
    may_classify = awaiting and case.status != Status.ARCHIVED and is_clerk(access)
    form = ClassifyForm(initial={"category": case.category, "misconduct_kind": case.misconduct_kind,
                                 "dispute_type": case.dispute_type}) if may_classify else None
    return {"mails": mails, "awaiting": awaiting, "classify_form": form}


@login_required
@require_POST
def classify(request, reference):
    """POST from the case page's email section; back to the case page with the outcome. The
    service checks the values (a case the user may not see is a 404 before anything else)."""
    data = {name: request.POST.get(name, "") for name in ClassifyForm.base_fields}
    try:
        email_case_classify(actor=request.access, reference=reference, data=data)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Category confirmed."))
    return redirect("case_detail", reference=reference)
