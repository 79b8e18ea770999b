"""Early-warning pages (thin), for supervisors: the surge alerts and their acknowledgement, the
review list of the cases with organised-complaint signals and the recorded outcome."""
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.supervision.views import _attempt, supervision_page
from complaints_portal.common.errors import NotFound

from . import organised, surge
from .models import OrganisedReview, SignalKind, SurgeAlert

STATES = {"open": {"acknowledged_at__isnull": True}, "acknowledged": {"acknowledged_at__isnull": False}, "": {}}


@supervision_page(supervisor_only=True)
def alerts(request, departments):
    state = request.GET.get("state", "open")
    rows = SurgeAlert.objects.filter(**STATES.get(state, STATES["open"])).select_related("acknowledged_by")[:500]
    return render(request, "assessment/warning/alerts.html", {
        "rows": [(alert, surge.key_label(alert.dimension, alert.key)) for alert in rows], "state": state,
    })


@supervision_page(supervisor_only=True)
def alert_detail(request, pk, departments):
    alert = SurgeAlert.objects.filter(pk=pk).select_related("acknowledged_by").first()
    if alert is None:
        raise NotFound()
    cases = alert.cases.select_related("department").order_by("received_at")
    return render(request, "assessment/warning/alert.html", {
        "alert": alert, "label": surge.key_label(alert.dimension, alert.key), "cases": cases,
    })


@require_POST
@supervision_page(supervisor_only=True)
def alert_acknowledge(request, pk, departments):
    _attempt(request, lambda: surge.surge_alert_acknowledge(actor=request.user, alert_id=pk, note=request.POST.get("note")),
             _("Alert acknowledged."))
    return redirect("warning_alert", pk=pk)



REVIEW_STATES = {"pending": {"outcome": OrganisedReview.Outcome.PENDING},
                 "decided": {"outcome__in": [OrganisedReview.Outcome.GENUINE, OrganisedReview.Outcome.NOT_AUTHORISED]},
                 "": {}}


def _review_rows(reviews):
    related = organised.reviews_related_cases(reviews)
    return [{"review": review, "signals": [
        {"label": SignalKind(signal["kind"]).label, "value": signal.get("value"), "score": signal.get("score"),
         "related": [related[pk] for pk in signal.get("related", []) if pk in related]}
        for signal in review.signals]} for review in reviews]


@supervision_page(supervisor_only=True)
def reviews(request, departments):
    state = request.GET.get("state", "pending")
    rows = list(OrganisedReview.objects.filter(**REVIEW_STATES.get(state, REVIEW_STATES["pending"]))
                .select_related("case", "case__department", "decided_by")[:300])
    return render(request, "assessment/warning/reviews.html", {"rows": _review_rows(rows), "state": state})


@supervision_page(supervisor_only=True)
def review_detail(request, pk, departments):
    review = OrganisedReview.objects.filter(pk=pk).select_related("case", "case__department", "decided_by").first()
    if review is None:
        raise NotFound()
    return render(request, "assessment/warning/review.html", {
        "row": _review_rows([review])[0], "review": review, "outcomes": OrganisedReview.Outcome.choices[1:],
    })


@require_POST
@supervision_page(supervisor_only=True)
def review_decide(request, pk, departments):
    _attempt(request, lambda: organised.organised_review_decide(
        actor=request.user, review_id=pk, outcome=request.POST.get("outcome"), evidence=request.POST.get("evidence"),
    ), _("Outcome recorded."))
    return redirect("warning_review", pk=pk)
