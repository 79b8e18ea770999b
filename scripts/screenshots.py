"""Retakes the README's screenshots from a running portal with its demo data.

    scripts/run-portal &                      # or any portal with the demo data loaded
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Drives Debian's chromium (/usr/bin/chromium) with Playwright, signs in as each demo role
(password demo-Pass-2026) and saves one PNG per view: Chinese at 1280 px unless the name says
otherwise (``-en``: English, ``-phone``: 390 px). Chinese text needs a CJK font on the machine
taking them (Debian: fonts-wqy-microhei).
"""
import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-Pass-2026"  # noqa: S105  (the demo data's published password)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def first_case(page, base, queue):
    """The reference of the first case listed on a queue page."""
    page.goto(base + queue)
    link = page.locator("a[href^='/cases/TS-']").first
    return link.get_attribute("href")


def shots(base):
    """(file name, role, language, viewport, path or callable giving the path)."""
    return [
        ("intake-queue", "clerk", "zh-hans", DESKTOP, "/queue/intake/"),
        ("intake-form", "clerk", "zh-hans", DESKTOP, "/cases/new/"),
        ("department-queue", "head_sales", "zh-hans", DESKTOP, "/queue/department/"),
        ("case-page", "head_sales", "zh-hans", DESKTOP, lambda page: first_case(page, base, "/queue/department/")),
        ("case-page-en", "head_sales", "en", DESKTOP, lambda page: first_case(page, base, "/queue/department/")),
        ("department-queue-phone", "inv_sales", "zh-hans", PHONE, "/queue/department/"),
        ("dashboard", "supervisor", "zh-hans", DESKTOP, "/assessment/dashboard/"),
        ("monthly-reports", "supervisor", "zh-hans", DESKTOP, "/assessment/supervision/reports/"),
        ("public-form", None, "zh-hans", DESKTOP, "/public/complain/"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*", help="file names to retake (default: all)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, role, language, viewport, target in shots(args.base):
            if args.only and name not in args.only:
                continue
            context = browser.new_context(viewport=viewport, locale="zh-CN" if language == "zh-hans" else "en-US")
            context.add_cookies([{"name": "django_language", "value": language, "url": args.base}])
            page = context.new_page()
            if role:
                page.goto(args.base + "/accounts/login/")
                page.fill("input[name=username]", role)
                page.fill("input[name=password]", PASSWORD)
                page.locator("form button[type=submit], form input[type=submit]").first.click()
                page.wait_for_load_state("networkidle")
            path = target(page) if callable(target) else target
            page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # charts finish their animation
            page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(out / f"{name}.png", path)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
