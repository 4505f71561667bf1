"""Browser tier: the real app served from a background thread, driven by Debian's Chromium via Playwright.

``playwright install`` cannot download browsers here, so the system Chromium is launched through
``executable_path`` (override with KETENFLOW_CHROMIUM). A missing or broken Chromium fails the tier with a
clear message; it never skips.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from webapp import create_app
from webapp.config import PROJECT_ROOT
from webapp.services.context import ServiceContext

CHROMIUM = os.environ.get("KETENFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def chromium_problem() -> str | None:
    """Why Chromium cannot be used, or None when the executable is there."""
    path = Path(CHROMIUM)
    if not path.is_file() or not os.access(path, os.X_OK):
        return (
            f"Chromium is required for the browser tier and was not found at {CHROMIUM}. "
            "Install it (apt-get install chromium) or point KETENFLOW_CHROMIUM at a Chromium binary."
        )
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = chromium_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            pytest.fail(f"Chromium at {CHROMIUM} could not be started: {error}", pytrace=False)
        yield launched
        launched.close()


@pytest.fixture
def live_server(ctx: ServiceContext) -> Iterator[str]:
    """The app over the test's fresh SQLite context (ManualClock), CSRF protection on as in production."""
    # As `make run`: no TOTP for the demo roles; and the journeys move the clock by days in one session.
    no_expiry = {"session_idle_minutes": 10 * 365 * 24 * 60, "session_max_hours": 10 * 365 * 24.0}
    app = create_app({"env": "test", "totp_required_roles": "", **no_expiry}, context=ctx)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll: shutting down waits for the loop's next look, half a second by default, in every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ketenflow-live-server", daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors (CSP violations show up here), page errors and requests that left the site."""
    return []


# Chromium logs every 4xx page as a console error; 401 and 422 pages are expected answers, not problems.
_EXPECTED_STATUS = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d\b")


def _console(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error" and not _EXPECTED_STATUS.match(message.text):
        problems.append(message.text)


@pytest.fixture
def page(browser: Browser, live_server: str, browser_problems: list[str]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)

    def stay_local(route: Route) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            browser_problems.append(f"external request: {route.request.url}")
            route.abort()

    context.route("**/*", stay_local)
    opened = context.new_page()
    opened.on("console", lambda message: _console(message, browser_problems))
    opened.on("pageerror", lambda error: browser_problems.append(str(error)))
    yield opened
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots for the README; the directory is gitignored."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
