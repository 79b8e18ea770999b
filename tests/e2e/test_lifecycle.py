"""A complaint through its whole life, by clicking, in a real browser (issue 10).

The customer files it on the public form and looks up its status; the intake clerk contacts
the customer and dispatches it to SALES; the head of SALES forms the team; the investigator
reports and proposes a plan; the head approves it; the clerk notifies the decision and records
the customer's acceptance; the supervisor archives it and opens the KPI dashboard. Each person
logs in with the demo password in their own browser context. Then the language switch.
"""
import re

import pytest

from cases.models import Complaint
from tests.browser import HAS_CHROMIUM

from .conftest import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = "13700137000"


class Person:
    """One logged-in user's browser context."""

    def __init__(self, browser, base, username):
        self.base = base
        self.context = browser.new_context(locale="en-US")
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())  # confirmations on some actions
        self.errors = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("[name=username]", username)
        self.page.fill("[name=password]", DEMO_PASSWORD)
        self.page.click("form button[type=submit]:visible")
        self.page.wait_for_url(re.compile(r".*/(?!accounts/login/).*"))
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"

    def open_case(self, reference):
        self.page.goto(f"{self.base}/cases/{reference}/")

    def act(self, reference, action, fill=None):
        """Open the action's panel, fill its form, submit, and wait for the case page again."""
        self.open_case(reference)
        form = self.page.locator(f"form[data-action={action}]")
        if not form.is_visible():
            self.page.click(f"button[data-bs-target='#act-{action}']")
            form.wait_for(state="visible")
        for name, value in (fill or {}).items():
            field = form.locator(f"[name={name}]")
            kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if kind.startswith("select"):
                field.select_option(value)
            elif kind.endswith(":checkbox"):
                form.locator(f"[name={name}][value='{value}']" if value is not True else f"[name={name}]").check()
            elif kind.endswith(":radio"):
                form.locator(f"[name={name}][value='{value}']").check()
            else:
                field.fill(value)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.errors == []
        return Complaint.objects.get(reference=reference)

    def close(self):
        self.context.close()


def test_a_complaint_through_its_whole_life_by_clicking(browser, demo):
    base = demo
    # the customer files the complaint on the public form
    customer = browser.new_context(locale="en-US").new_page()
    customer.goto(f"{base}/public/complain/")
    customer.fill("[name=customer_name]", "Li Lei")
    customer.fill("[name=customer_phone]", PHONE)
    customer.select_option("[name=category]", "service")
    customer.fill("[name=summary]", "Claim payment is late")
    customer.fill("[name=description]", "Documents sent in October; nothing paid since.")
    customer.fill("[name=expected_resolution]", "Pay the claim.")
    customer.check("[name=consent]")
    customer.click("form.public-form button[type=submit]")
    customer.wait_for_url("**/public/complain/done/")
    reference = customer.inner_text("#reference").strip()
    code = customer.inner_text("#public-code").strip()
    assert Complaint.objects.get(reference=reference).status == "received"

    def status_lookup():
        customer.goto(f"{base}/public/status/")
        customer.fill("[name=code]", code)
        customer.fill("[name=phone]", PHONE)
        customer.click("form button[type=submit]:visible")
        return customer.inner_text("#status-result")

    first_status = status_lookup()

    # the clerk contacts the customer and dispatches to SALES
    clerk = Person(browser, base, "clerk")
    clerk.act(reference, "acknowledge", {"method": "phone", "note": "Told the customer we investigate."})
    case = clerk.act(reference, "assign", {"department": "SALES"})
    assert (case.status, case.department.code) == ("assigned", "SALES")

    # the head of SALES forms the team
    head = Person(browser, base, "head_sales")
    head.open_case(reference)
    assert head.page.locator(f"text={reference}").first.is_visible()
    fill = {"lead": "inv_sales", "members": "inv_sales", "recusal_attested_by": "inv_sales"}
    case = head.act(reference, "form_team", fill)
    assert case.status == "investigating", "form_team failed"

    # the investigator reports and proposes the plan
    inv = Person(browser, base, "inv_sales")
    inv.act(reference, "submit_report", {"facts": "Documents were complete; payment was delayed.",
                                         "at_fault": "true", "recommendation": "Pay with interest."})
    case = inv.act(reference, "propose_plan", {"plan": "Pay the claim with interest."})
    assert case.status == "plan_pending"

    # the head approves; the clerk notifies the decision and records the acceptance
    assert head.act(reference, "approve_plan").status == "plan_approved"
    clerk.act(reference, "notify_decision", {"method": "phone", "decision": "We pay the claim with interest."})
    assert clerk.act(reference, "customer_accepts").status == "closed"

    # the supervisor archives the case and opens the KPI dashboard
    supervisor = Person(browser, base, "supervisor")
    assert supervisor.act(reference, "archive").status == "archived"
    response = supervisor.page.goto(f"{base}/assessment/dashboard/")
    assert response.status == 200
    assert supervisor.errors == []

    # the customer sees the change
    assert status_lookup() != first_status

    # another department's investigator does not find the case
    other = Person(browser, base, "inv_cs")
    assert other.page.goto(f"{base}/cases/{reference}/").status == 404
    for person in (clerk, head, inv, supervisor, other):
        person.close()


def test_language_switch_on_a_staff_page(browser, live_server, settings):
    from tests.factories import cases as f

    settings.LANGUAGE_CODE = "en"
    f.UserFactory(username="clerk", roles=[f.INTAKE_CLERK], password=DEMO_PASSWORD)
    clerk = Person(browser, live_server.url, "clerk")
    page = clerk.page
    page.goto(f"{live_server.url}/cases/")
    assert page.locator("html").get_attribute("lang") == "en"
    english = page.inner_text("h1")
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.inner_text("h1") != english
    # and back
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.inner_text("h1") == english
    clerk.close()
