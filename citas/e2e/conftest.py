"""End-to-end tests: Playwright drives Debian's Chromium against Django's live server."""

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from citas.core.factories import DEFAULT_PASSWORD, enable_two_factor

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server running one request at a time (connections stay concurrent). On
    SQLite the test database lives in memory and the server's threads share one connection,
    which Django does not make safe for simultaneous use: a page that fires several requests
    at once (the reports page loads each report with its own) could hang for ever. On
    PostgreSQL each thread has its own connection."""

    def set_app(self, application):
        one_at_a_time = threading.Lock()

        def serial(environ, start_response):
            with one_at_a_time:
                return application(environ, start_response)

        super().set_app(serial)


if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    LiveServerThread.server_class = SerialWSGIServer


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        # CI must run the journeys; a developer without the browser still gets the rest.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for name, value in item.funcargs.items():
            if hasattr(value, "screenshot") and hasattr(value, "url"):
                ARTIFACTS.mkdir(exist_ok=True)
                path = ARTIFACTS / f"{item.name}-{name}.png"
                # A failing screenshot must never hide the test's own failure.
                with contextlib.suppress(Exception):
                    value.screenshot(path=str(path), full_page=True)
    return report


# Report every Content-Security-Policy violation on the console, where the fixtures collect them
# (Chromium also logs its own "Refused to ..." line for each).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def _page(browser, viewport, service_workers: str = "block"):
    """A fresh context. The app's service worker is blocked unless asked for (the installable
    app's own test): the journeys test the pages, not the worker's background downloads."""
    context = browser.new_context(
        viewport=viewport,
        locale="es-ES",
        timezone_id="Europe/Madrid",
        service_workers=service_workers,
    )
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: _collect_violation(page, message.text))
    return page


def _collect_violation(page, text: str) -> None:
    if "CSP violation" in text or "Content Security Policy" in text:
        page.csp_violations.append(text)


def _close(page):
    violations = page.csp_violations
    page.context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def phone_page(browser):
    page = _page(browser, PHONE)
    yield page
    _close(page)


@pytest.fixture
def desktop_page(browser):
    page = _page(browser, DESKTOP)
    yield page
    _close(page)


def totp_code(secret: str) -> str:
    """The authenticator app's current code, taken at least a few seconds before its period
    ends: allauth accepts only the current period, and a code that expires between the page
    and the server would fail the log-in at random on a loaded machine."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def log_in(page, base: str, user, landing: str = "/app/") -> None:
    """Log in through the form; when the practice requires two-step verification, answer the
    code step with a code of the user's authenticator app (set up by the factories)."""
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    code = page.locator("input[name=code]")
    page.wait_for_function(
        "([url]) => location.href === url || document.querySelector('input[name=code]')",
        arg=[f"{base}{landing}"],
    )
    if code.count():
        code.fill(totp_code(enable_two_factor(user)))
        page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}{landing}")


def practice_open_every_day(practice_name: str, slug: str, professional: str, **service):
    """A practice with one professional who works 8:00–20:00 every day (so a test finds a free
    time whatever today is) and one service, built from `service`'s fields, that they offer."""
    from datetime import time as clock

    from citas.core.factories import (
        PracticeFactory,
        ProfessionalFactory,
        ServiceFactory,
        WorkingHoursFactory,
    )

    practice = PracticeFactory(name=practice_name, slug=slug)
    person = ProfessionalFactory(practice=practice, display_name=professional)
    for weekday in range(7):
        WorkingHoursFactory(
            professional=person, weekday=weekday, start_time=clock(8), end_time=clock(20)
        )
    ServiceFactory(practice=practice, professionals=[person], **service)
    return practice
