"""The notices panel of the case page (SPEC §10): the notices sent, their PDFs and their proof
of notice, with the form that records or corrects a proof."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints_portal.common.errors import ApplicationError, NotFound

from ..forms import StyledForm
from ..models import Decision
from ..models.case import Status
from ..permissions import may_record_notice_proof
from ..selectors import case_get_for_user
from ..services.notices import notice_proof_record


class NoticeProofForm(StyledForm):
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=Decision.Method.choices)
    sent_at = forms.DateTimeField(
        label=gettext_lazy("Sent or handed over at"), required=False, help_text=gettext_lazy("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    evidence = forms.CharField(label=gettext_lazy("Evidence (tracking number, recording reference, receipt)"),
                               max_length=200, required=False)
    evidence_attachment = forms.TypedChoiceField(label=gettext_lazy("Evidence file"), required=False, coerce=int,
                                                 empty_value=None)
    customer_reached = forms.BooleanField(label=gettext_lazy("The customer was reached (phone)"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_attachment"].choices = [("", "—")] + [
            (a.pk, a.original_name) for a in case.attachments.filter(removed_at__isnull=True)]


def notices_panel(access, case):
    """What the panel shows: the case's notices and, for a user who may record a proof, a
    form per notice."""
    notices = list(case.notices.select_related("document", "evidence_attachment", "proof_recorded_by"))
    may_record = case.status != Status.ARCHIVED and may_record_notice_proof(access, case)
    return {"notices": notices,
            "proof_form": NoticeProofForm(case=case, prefix="proof") if may_record and notices else None}


@login_required
@require_POST
def notice_proof(request, reference, notice_id):
    try:
        case = case_get_for_user(request.access, reference)
    except NotFound as exc:
        raise Http404 from exc
    form = NoticeProofForm(request.POST, case=case, prefix="proof")
    if not form.is_valid():
        messages.error(request, _("The proof was not recorded: %(errors)s") % {
            "errors": "; ".join(f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields
                                else " ".join(errors) for name, errors in form.errors.items())})
        return redirect("case_detail", reference=case.reference)
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        notice_proof_record(actor=request.access, reference=case.reference, notice_id=notice_id, data=data)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, _("The proof was not recorded: %(error)s") % {"error": exc.message})
        return redirect("case_detail", reference=case.reference)
    messages.success(request, _("Proof of notice recorded."))
    return redirect("case_detail", reference=case.reference)
