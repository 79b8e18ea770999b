"""Notifications as staff read them (issue 20 item 5): stored as kind and parameters and shown
in the reader's language, linked to their case, grouped per case, done when their reason is
gone, and listed under the bell."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.models import Notification
from cases.services import case_transition
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def test_approval_request_is_done_and_read_once_the_plan_is_approved(people):
    # given: a plan awaiting the head's approval, who was notified
    case = ComplaintFactory(plan_pending=True)
    request = Notification.objects.get(case=case, recipient=people["head_sales"], kind="approval_requested")
    assert request.resolved_at is None and request.read_at is None
    # when
    case_transition(actor=people["head_sales"], reference=case.reference, action="approve_plan")
    # then
    request.refresh_from_db()
    assert request.resolved_at is not None and request.read_at is not None


def test_notification_is_stored_as_kind_and_parameters_and_shown_in_the_readers_language(people):
    case = ComplaintFactory(plan_pending=True)
    request = Notification.objects.get(case=case, recipient=people["head_sales"], kind="approval_requested")
    assert request.params["ref"] == case.reference
    # given: its email text was written in Chinese
    Notification.objects.filter(pk=request.pk).update(subject=f"处理方案待您审批：{case.reference}")
    client = Client()
    client.force_login(people["head_sales"])
    # when read in English, then in Chinese
    english = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans"})
    chinese = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then
    assert f"Plan awaiting your approval: {case.reference}" in english and "审批" not in english
    with translation.override("zh-hans"):
        assert translation.gettext("Plan awaiting your approval: %(ref)s") % {"ref": case.reference} in chinese


def test_page_groups_notifications_per_case_and_links_to_the_case(people):
    # given: two notifications on one case
    case = ComplaintFactory(assigned=True)
    head = people["head_sales"]
    first = Notification.objects.get(case=case, recipient=head, kind="case_assigned")
    Notification.objects.create(recipient=head, case=case, kind="approval_requested", params={"ref": case.reference},
                                subject="s", dedupe_key="second")
    client = Client()
    client.force_login(head)
    # when
    page = client.get(reverse("notifications")).content.decode()
    # then: one group for the case, with a link that opens the case
    assert page.count("data-notification-group") == 1
    assert reverse("notification_open", args=[Notification.objects.latest("pk").pk]) in page
    response = client.get(reverse("notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("case_detail", args=[case.reference])
    assert not Notification.objects.filter(recipient=head, read_at__isnull=True).exists()


def test_another_users_notification_cannot_be_opened(people):
    case = ComplaintFactory(assigned=True)
    theirs = Notification.objects.get(case=case, recipient=people["head_sales"], kind="case_assigned")
    client = Client()
    client.force_login(people["inv_sales"])
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bell_lists_unread_notifications_one_line_per_case(people):
    case = ComplaintFactory(assigned=True)
    head = people["head_sales"]
    Notification.objects.create(recipient=head, case=case, kind="approval_requested", params={"ref": case.reference},
                                subject="s", dedupe_key="second")
    client = Client()
    client.force_login(head)
    page = client.get(reverse("home")).content.decode()
    assert reverse("notifications_bell") in page
    fragment = client.get(reverse("notifications_bell"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count("notifications/") == 2  # one line for the case, one to the page
    assert reverse("notifications") in fragment
