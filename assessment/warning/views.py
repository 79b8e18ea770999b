"""Early-warning pages (thin), for supervisors: the surge alerts and their acknowledgement."""
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.supervision.views import _attempt, supervision_page
from complaints_portal.common.errors import NotFound

from . import surge
from .models import SurgeAlert

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

