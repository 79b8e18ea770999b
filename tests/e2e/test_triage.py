"""Triage suggestions on the intake form, in a real browser: they appear while the clerk types
(htmx, debounced), a click fills the field, and the registered case keeps what was taken."""
import re

import pytest

from cases.models import Complaint
from cases.triage.models import TriageSuggestion
from cases.triage.services import triage_model_train
from tests.browser import HAS_CHROMIUM

from .conftest import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_clerk_takes_suggestions_with_a_click_and_the_case_keeps_them(browser, demo, monkeypatch):
    from cases.triage.tasks import triage_record_suggestion

    # no worker here: the task the registration queues runs in the server's thread
    monkeypatch.setattr(triage_record_suggestion, "delay", lambda *args: triage_record_suggestion.apply(args=args))
    model = triage_model_train()  # on the demo's closed cases
    page = browser.new_context(locale="en-US").new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{demo}/accounts/login/")
    page.fill("[name=username]", "clerk")
    page.fill("[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]:visible")
    page.wait_for_url(re.compile(r".*/(?!accounts/login/).*"))
    page.goto(f"{demo}/cases/new/")
    # while the clerk types, the suggestions appear
    page.fill("[name=customer_name]", "王五")
    page.fill("[name=customer_phone]", "13700137001")
    page.fill("[name=summary]", "理赔被拒")
    page.type("[name=description]", "我在等待期内确诊了甲状腺癌，申请理赔被公司拒绝，理赔员说不符合合同定义。")
    suggestions = page.locator(".triage-suggestions")
    suggestions.wait_for(state="visible")
    assert f"model v{model.version}" in suggestions.inner_text()
    # a click on the first suggestion of each target fills its field
    for target in ("category", "dispute_type", "department"):
        button = page.locator(f"[data-triage-field=id_{target}]").first
        value = button.get_attribute("data-triage-value")
        button.click()
        assert page.locator(f"#id_{target}").input_value() == value
        assert button.get_attribute("aria-pressed") == "true"
    if page.locator("#id_category").input_value() == "misconduct":
        page.select_option("#id_misconduct_kind", "other")
    with page.expect_navigation():
        page.click("form#intake-form button[type=submit]")
    assert errors == []
    case = Complaint.objects.get(customer_phone="13700137001")
    assert case.status == "assigned"
    record = TriageSuggestion.objects.get(case=case)
    assert (record.category_accepted, record.dispute_type_accepted, record.department_accepted) == (True, True, True)
    assert "Suggestion at intake" in page.content()
