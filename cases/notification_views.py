"""The notification bell: its short list (htmx), the page of the user's notifications grouped
per case, newest first, and opening one (marks its case's notifications read, goes to the case)."""
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .models import Notification
from .notification_texts import render as notification_text
from .notifications import mark_read

PAGE_SIZE = 100
BELL_SIZE = 8


@dataclass
class Entry:
    notification: Notification
    subject: str
    body: str


@dataclass
class Group:
    """The notifications of one case (or one without a case), newest first."""

    case: object
    entries: list = field(default_factory=list)

    @property
    def latest(self):
        return self.entries[0]

    @property
    def unread(self):
        return sum(1 for e in self.entries if e.notification.read_at is None)


def notification_groups(notifications):
    """Group notifications (newest first) per case, in order of each case's newest one."""
    groups = {}
    for n in notifications:
        key = ("case", n.case_id) if n.case_id else ("one", n.pk)
        subject, body = notification_text(n)
        groups.setdefault(key, Group(n.case)).entries.append(Entry(n, subject, body))
    return list(groups.values())


def _own(user):
    return Notification.objects.filter(recipient=user).select_related("case").order_by("-created_at", "-pk")


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """GET lists the user's own notifications grouped per case; POST marks one (`id`), a case's
    (`case`) or all (`all`) read. Only the user's own rows are ever touched: another user's id
    simply matches nothing."""
    if request.method == "POST":
        if request.POST.get("all"):
            mark_read(request.user)
        elif request.POST.get("case", "").isdigit():
            mark_read(request.user, case_id=int(request.POST["case"]))
        else:
            ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
            mark_read(request.user, ids)
        return redirect("notifications")
    groups = notification_groups(_own(request.user)[:PAGE_SIZE])
    return render(request, "cases/notifications.html", {"groups": groups})


@login_required
@require_GET
@never_cache
def notifications_bell(request):
    """htmx: the bell's short list, the user's unread notifications grouped per case."""
    unread = _own(request.user).filter(read_at__isnull=True)[:PAGE_SIZE]
    return render(request, "cases/_bell_menu.html", {"groups": notification_groups(unread)[:BELL_SIZE]})


@login_required
@require_GET
def notification_open(request, pk):
    """Open a notification: it and the other notifications of its case are marked read, and the
    user goes to the case (a notification without a case: to the list)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.case_id:
        mark_read(request.user, case_id=notification.case_id)
        return redirect("case_detail", reference=notification.case.reference)
    mark_read(request.user, [notification.pk])
    return redirect("notifications")
