"""The notification bell's page: the user's notifications, newest first, with mark-as-read."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Notification
from .notifications import mark_read

PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """GET lists the user's own notifications; POST marks one (`id`) or all (`all`) read.
    Only the user's own rows are ever touched: another user's id simply matches nothing."""
    if request.method == "POST":
        if request.POST.get("all"):
            mark_read(request.user)
        else:
            ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
            mark_read(request.user, ids)
        return redirect("notifications")
    items = (
        Notification.objects.filter(recipient=request.user)
        .select_related("case")
        .order_by("-created_at", "-pk")[:PAGE_SIZE]
    )
    return render(request, "cases/notifications.html", {"items": items})
