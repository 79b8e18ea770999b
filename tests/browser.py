"""Constants of the browser tests (Debian's chromium driven by Playwright); the `browser` and
`live_server` fixtures are in tests/conftest.py."""
import os
from pathlib import Path

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
HAS_CHROMIUM = Path(CHROMIUM).exists()
