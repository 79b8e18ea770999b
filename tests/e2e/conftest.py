"""Fixtures of the browser end-to-end tests: a live server, Debian's chromium through
Playwright, and the demo organisation (load_demo) with its users."""
from io import StringIO

import pytest
from django.core.management import call_command

DEMO_PASSWORD = "demo-Pass-2026"


@pytest.fixture
def demo(live_server, settings):
    """The demo departments, users and calendar; returns the live server's URL."""
    from django.core.cache import cache

    settings.LANGUAGE_CODE = "en"
    cache.clear()
    call_command("load_demo", stdout=StringIO())
    return live_server.url
