"""What staff do every day, in a real browser: a clerk calls back the customer of a case another
clerk registered (the phone revealed, the reveal logged), and a head opens the bell's short list
and goes from a notification to its case, the timeline naming people and departments."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.models import AccessLog, Complaint, Notification
from cases.models.case import OPEN_STATUSES
from tests.browser import HAS_CHROMIUM

from .conftest import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(browser, demo, username, password=DEMO_PASSWORD):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{demo}/accounts/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    page.click("form button[type=submit]:visible")
    page.wait_for_url(re.compile(r".*/(?!accounts/login/).*"))
    return page


def test_a_clerk_reveals_the_phone_of_a_case_another_clerk_registered(browser, demo):
    # given: a second clerk, and an open case the demo's clerk registered
    other = get_user_model().objects.create_user("clerk2", password=DEMO_PASSWORD, first_name="受理员 张敏")
    other.groups.add(Group.objects.get(name="intake_clerk"))
    case = Complaint.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True).exclude(customer_phone="") \
        .exclude(registered_by=other).order_by("pk").first()
    page = _login(browser, demo, "clerk2")
    # when
    page.goto(f"{demo}/cases/{case.reference}/")
    assert case.customer_phone not in page.content()
    page.click("#pd-phone button")
    # then
    page.locator("#pd-phone [data-revealed]").wait_for()
    assert page.locator("#pd-phone").inner_text().strip() == case.customer_phone
    assert AccessLog.objects.filter(user=other, case=case, field="customer_phone").count() == 1
    assert page.locator("#pd-id button").count() == 0  # the ID number stays with the case's handlers


def test_the_bell_lists_notifications_per_case_and_opens_the_case(browser, demo):
    # given: two unread notifications on one case of the head's department
    head = get_user_model().objects.get(username="head_claims")
    Notification.objects.filter(recipient=head).update(read_at="2026-01-01T00:00:00Z")
    case = Complaint.objects.filter(department__code="CLAIMS", status__in=OPEN_STATUSES).order_by("pk").first()
    for n, kind in enumerate(("approval_requested", "case_assigned")):
        Notification.objects.create(recipient=head, case=case, kind=kind, params={"ref": case.reference},
                                    subject="(stored)", dedupe_key=f"browser:{n}")
    page = _login(browser, demo, "head_claims")
    # when the head opens the bell
    page.click("#bell")
    menu = page.locator("#bell-menu [data-bell-list]")
    menu.wait_for()
    # then one line for the case, in the page's language, and it leads to the case
    lines = menu.locator("a.list-group-item", has_text=case.reference)
    assert lines.count() == 1
    assert "1 more on this case" in lines.inner_text()
    with page.expect_navigation():
        lines.click()
    assert page.url.endswith(f"/cases/{case.reference}/")
    assert not Notification.objects.filter(recipient=head, read_at__isnull=True, case=case).exists()
    timeline = page.locator("#h-timeline").locator("xpath=../..").inner_text()
    assert "inv_claims" not in timeline and "head_claims" not in timeline
