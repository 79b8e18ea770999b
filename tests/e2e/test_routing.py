"""The intake form's "Dispatch to" follows the routing rules while the clerk has not chosen a
department, in a real browser."""
import re

import pytest
from playwright.sync_api import expect

from cases.models import Department, RoutingRule
from tests.browser import HAS_CHROMIUM

from .conftest import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_routing_prefills_the_department_until_the_clerk_chooses(browser, demo):
    RoutingRule.objects.create(category="service", department=Department.objects.get(code="CS"))
    RoutingRule.objects.create(category="product", department=Department.objects.get(code="SALES"))
    page = browser.new_context(locale="en-US").new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{demo}/accounts/login/")
    page.fill("[name=username]", "clerk")
    page.fill("[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]:visible")
    page.wait_for_url(re.compile(r".*/(?!accounts/login/).*"))
    page.goto(f"{demo}/cases/new/")
    page.select_option("#id_category", "service")
    expect(page.locator("#id_department")).to_have_value("CS")
    page.select_option("#id_category", "product")
    expect(page.locator("#id_department")).to_have_value("SALES")
    page.select_option("#id_department", "CLAIMS")  # the clerk's own choice stays
    page.select_option("#id_category", "service")
    page.wait_for_timeout(500)
    assert page.locator("#id_department").input_value() == "CLAIMS"
    assert errors == []
