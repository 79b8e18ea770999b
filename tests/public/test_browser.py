"""A customer on a phone files a complaint and checks its status in a real browser (Debian's
chromium through Playwright); any Content-Security-Policy violation fails the test."""
import os

import pytest

from cases.models import CalendarYear, Complaint, DeadlinePolicy
from cases.public import messaging, tasks
from tests.browser import HAS_CHROMIUM

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_CHROMIUM, reason="needs /usr/bin/chromium"),
    # serialized_rollback restores the rows data migrations made (deadline policy, roles).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def portal(live_server, monkeypatch):
    for year in (2025, 2026, 2027, 2028):
        CalendarYear.objects.get_or_create(year=year)
    assert DeadlinePolicy.objects.exists()
    # Deliver in the server thread instead of publishing to a broker.
    monkeypatch.setattr(tasks.deliver_customer_message, "delay", messaging.deliver)
    return live_server.url


def _page(browser, language):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="zh-CN" if language == "zh-hans" else "en-US")
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: page.console_messages.append(f"pageerror: {exc}"))
    return page


def _assert_no_csp_violation(page):
    violations = [m for m in page.console_messages if "Content Security Policy" in m or "pageerror" in m]
    assert violations == []


def test_customer_files_a_complaint_on_a_phone_and_checks_its_status(browser, portal):
    page = _page(browser, "zh-hans")
    shots = os.environ.get("PUBLIC_SCREENSHOT_DIR")

    # given the form on a phone
    page.goto(f"{portal}/public/complain/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    if shots:
        page.screenshot(path=f"{shots}/form-zh-hans.png", full_page=True)

    # when the customer fills it in and submits
    page.fill("[name=customer_name]", "王小明")
    page.fill("[name=customer_phone]", "138 0013 8000")
    page.select_option("[name=category]", "service")
    page.select_option("[name=dispute_type]", "claims")
    page.fill("[name=summary]", "理赔款迟迟未到账")
    page.fill("[name=description]", "2026年10月提交理赔材料，至今未收到款项。")
    page.fill("[name=expected_resolution]", "尽快支付理赔款。")
    page.check("[name=consent]")
    page.click("form.public-form button[type=submit]")
    page.wait_for_url("**/public/complain/done/")

    # then a reference is shown and the case waits in the intake queue
    reference = page.inner_text("#reference").strip()
    case = Complaint.objects.get(reference=reference)
    page_code = page.inner_text("#public-code").strip()
    assert page_code == case.public_code_display
    assert (case.channel, case.status, case.customer_phone) == ("online", "received", "13800138000")
    if shots:
        page.screenshot(path=f"{shots}/done-zh-hans.png", full_page=True)

    # and the status look-up with the look-up code + phone shows the stage
    page.click("a[href='/public/status/'].btn")
    page.fill("[name=code]", page_code.lower())
    page.fill("[name=phone]", "13800138000")
    page.click("form button[type=submit]:visible")
    page.wait_for_selector("#status-result")
    assert "2026年" in page.inner_text("#status-result")
    if shots:
        page.screenshot(path=f"{shots}/status-zh-hans.png", full_page=True)

    # a wrong phone gets the generic message
    page.fill("[name=phone]", "13900139000")
    page.click("form button[type=submit]:visible")
    page.wait_for_selector("#status-not-found")
    _assert_no_csp_violation(page)


def test_language_switcher_works_without_inline_script(browser, portal):
    page = _page(browser, "zh-hans")
    page.goto(f"{portal}/public/complain/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # portal.js submits the language form on change: a static script, allowed by the CSP.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "File a complaint" in page.inner_text("h1")
    if os.environ.get("PUBLIC_SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['PUBLIC_SCREENSHOT_DIR']}/form-en.png", full_page=True)
    # The honeypot is out of sight and out of the tab order.
    assert not page.locator("[name=website]").is_visible() or page.locator("[name=website]").bounding_box()["x"] < 0
    _assert_no_csp_violation(page)


def test_refused_form_keeps_input_and_shows_errors(browser, portal):
    page = _page(browser, "en")
    page.goto(f"{portal}/public/complain/")
    page.fill("[name=customer_name]", "Wang")
    page.fill("[name=customer_phone]", "12345")
    page.select_option("[name=category]", "product")
    page.fill("[name=summary]", "<script>alert(1)</script>")
    page.fill("[name=description]", "d")
    page.fill("[name=expected_resolution]", "e")
    page.check("[name=consent]")
    page.click("form.public-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    assert page.input_value("[name=summary]") == "<script>alert(1)</script>"
    assert Complaint.objects.count() == 0
    _assert_no_csp_violation(page)


def test_the_csp_check_would_see_a_violation(browser, portal):
    """The console listener is what the other tests rely on: prove it catches an inline script."""
    page = _page(browser, "en")
    page.goto(f"{portal}/public/status/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in m for m in page.console_messages)
    assert page.evaluate("window.x") is None
