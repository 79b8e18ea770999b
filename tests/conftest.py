import os

import pytest
from django.db import connection, connections

from tests.browser import CHROMIUM, LAUNCH_ARGS


def pytest_collection_modifyitems(config, items):
    """Skip tests marked `postgres` when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit and log-in failure counters, cached KPI
    tables, the calendar are not carried from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, made to depend on django_db_setup so that it stops (closing
    its database connection) before the test database is dropped."""
    from pytest_django import live_server_helper

    server = live_server_helper.LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
    yield server
    server.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (Django keeps
        # connections per async context); close it here, or PostgreSQL cannot drop the test database.
        connections.close_all()
