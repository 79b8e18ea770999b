"""Staff pages in a real browser (issue 20): the keyboard shortcuts of the queues and the case
page with their help overlay, and the case tables as cards on a phone."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import HAS_CHROMIUM

from .conftest import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def logged_in(browser, base, username, **context):
    page = browser.new_context(locale="en-US", **context).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]:visible")
    page.wait_for_url(re.compile(r".*/(?!accounts/login/).*"))
    return page, errors


def test_queue_and_case_page_answer_the_keyboard(browser, demo):
    page, errors = logged_in(browser, demo, "clerk")
    page.goto(f"{demo}/cases/")
    links = page.locator("table.table-queue tbody a.queue-link")
    first, second = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    # j j k: the selection moves down twice and up once
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    selected = page.locator("tr.shortcut-selected a.queue-link")
    assert selected.get_attribute("href") == first
    # typing in the search field is not a shortcut
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type("jk")
    assert page.locator("[name=q]").input_value() == "jk"
    assert page.locator("tr.shortcut-selected a.queue-link").get_attribute("href") == first
    page.locator("[name=q]").fill("")
    page.locator("h1").click()
    # j then o opens the second case
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**{second}")
    # on the case page, k goes to the previous case of the queue it came from
    page.keyboard.press("k")
    page.wait_for_url(f"**{first}")
    # a opens the action panel and puts the focus in it
    if page.locator("#actions").count():
        page.keyboard.press("a")
        assert page.evaluate("!!document.activeElement.closest('#actions')")
    # ? shows the help (outside a field), Escape closes it
    page.locator("h1").first.click()
    page.keyboard.press("?")
    help_overlay = page.locator("#shortcut-help")
    help_overlay.wait_for(state="visible")
    assert "Next / previous case" in help_overlay.inner_text()
    expect(help_overlay).to_be_focused()  # Bootstrap's fade is over: Escape is listened to
    page.keyboard.press("Escape")
    help_overlay.wait_for(state="hidden")
    assert errors == []


def test_case_tables_are_cards_on_a_phone(browser, demo):
    page, errors = logged_in(browser, demo, "supervisor", viewport={"width": 390, "height": 844})
    page.goto(f"{demo}/cases/")
    row = page.locator("table.table-queue tbody tr").first
    # a row is a card as wide as the screen, its cells labelled lines, the header hidden
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    assert row.bounding_box()["width"] <= 390
    assert page.locator("table.table-queue thead").bounding_box()["height"] <= 1
    # each cell labelled by its column's header, named once on the table (the tick's cell unlabelled)
    label = "c => getComputedStyle(c, '::before').content"
    cells = row.locator("td")
    assert [cells.nth(i).evaluate(label) for i in range(3)] == ["none", '"Reference"', '"Next due"']
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the case page's deadlines too
    page.locator("table.table-queue a.queue-link").first.click()
    page.wait_for_load_state()
    deadline = page.locator("table.table-deadlines tbody tr").first
    assert deadline.evaluate("r => getComputedStyle(r).display") == "block"
    assert errors == []


def test_a_form_sent_back_with_errors_focuses_its_first_invalid_field(browser, demo):
    page, errors = logged_in(browser, demo, "clerk")
    page.goto(f"{demo}/cases/new/")
    page.fill("[name=customer_name]", "Li Lei")
    page.click("#intake-form button[type=submit]")
    page.wait_for_load_state()
    # the phone is the first field in error: red border, and the cursor is in it
    phone = page.locator("#id_customer_phone")
    assert "is-invalid" in phone.get_attribute("class")
    assert page.evaluate("document.activeElement.id") == "id_customer_phone"
    assert phone.evaluate("e => getComputedStyle(e).borderColor") != page.locator("#id_customer_name").evaluate(
        "e => getComputedStyle(e).borderColor")
    assert errors == []
