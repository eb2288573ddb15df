"""The installable app in Chromium: the manifest is found, the service worker takes over, a page
opened without a connection shows the offline page (which loads the page by itself once the
connection is back), and the agenda fetches its events again when the phone is back online."""

import pytest
from django.urls import reverse

from citas.core.factories import MembershipFactory, ProfessionalFactory
from citas.practices.models import Role

from .conftest import PHONE, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_page(browser):
    page = _page(browser, PHONE, service_workers="allow")
    yield page
    _close(page)


def test_offline_page_and_agenda_refresh_when_back_online(live_server, app_page):
    page = app_page
    member = MembershipFactory(role=Role.OWNER)
    ProfessionalFactory(practice=member.practice)  # the agenda has someone to show
    log_in(page, live_server.url, member.user)
    page.goto(f"{live_server.url}/app/agenda/")
    page.locator("#agenda .ec-body").first.wait_for()

    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == "/app/"
    # The worker installed (its install fetches the shared files: slow on a loaded machine).
    # evaluate() has no timeout of its own: the promise gives up after 30 s, so a worker that
    # never installs fails the test instead of hanging the run. (A promise, not
    # wait_for_function: polling a string predicate is an eval, which the strict CSP refuses.)
    installed = page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(() => true),
            new Promise((resolve) => setTimeout(() => resolve(false), 30000)),
        ])"""
    )
    assert installed, "the service worker was not installed within 30 s"
    # It takes the open page over (clients.claim); a page loaded again is its in any case.
    if not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        page.reload()
        page.locator("#agenda .ec-body").first.wait_for()
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")

    feed = f"{live_server.url}{reverse('booking_staff:agenda_feed')}"
    page.context.set_offline(True)
    with page.expect_request(lambda request: request.url.startswith(feed)):
        page.context.set_offline(False)  # back online: the agenda asks for its events again

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/app/")
    page.get_by_role("heading", name="Sin conexión").wait_for()
    page.context.set_offline(False)  # the offline page loads the page by itself
    page.get_by_role("heading", name="Sin conexión").wait_for(state="detached")
    page.locator("nav.navbar").first.wait_for()
    assert page.url == f"{live_server.url}/app/"
