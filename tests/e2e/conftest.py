"""Fixtures of the browser end-to-end tests: a live server, Debian's chromium through
Playwright, and the demo organisation (load_demo) with its users."""
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo-Pass-2026"
HAS_CHROMIUM = Path(CHROMIUM).exists()


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, started while MEDIA_URL has a value (the project sets it to
    None, which Django's live-server media handler cannot parse; it reads it only at start-up).
    Depends on django_db_setup so it stops before the test database is dropped."""
    from django.conf import settings
    from pytest_django import live_server_helper

    previous = settings.MEDIA_URL
    settings.MEDIA_URL = "/__live-server-media__/"
    try:
        server = live_server_helper.LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
    finally:
        settings.MEDIA_URL = previous
    yield server
    server.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection; close it, or
        # PostgreSQL cannot drop the test database.
        connections.close_all()


@pytest.fixture
def demo(live_server, settings):
    """The demo departments, users and calendar; returns the live server's URL."""
    from django.core.cache import cache

    settings.LANGUAGE_CODE = "en"
    cache.clear()
    call_command("load_demo", stdout=StringIO())
    return live_server.url
