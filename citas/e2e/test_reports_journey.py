"""The dashboard and the reports on a phone: everything fits, the charts draw."""

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from citas.core.factories import AppointmentFactory, MembershipFactory
from citas.practices.models import Role
from citas.reports.tests.clinic import at, clinic

from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@time_machine.travel(at(22, 8), tick=True)
def test_the_owner_reads_the_dashboard_and_the_reports_on_a_phone(live_server, phone_page):
    c = clinic()
    AppointmentFactory(
        practice=c.practice,
        professional=c.luis,
        service=c.fisio,
        client=c.clients["Dani"],
        start=at(23, 12),
        status="pending",
    )
    owner = MembershipFactory(practice=c.practice, role=Role.OWNER)
    page = phone_page
    _log_in(page, live_server, owner.user)

    page.goto(f"{live_server.url}/app/")
    page.get_by_role("heading", name="Ocupación esta semana").wait_for()
    assert page.get_by_text("16,0 %").is_visible()  # Ana: 4 h of 25
    assert page.get_by_text("Pendiente de aprobar").is_visible()
    assert _fits_the_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)

    page.get_by_role("link", name="Informes").last.click()
    page.get_by_label("Desde").fill("19/10/2026")
    page.get_by_label("Hasta").fill("25/10/2026")
    page.get_by_role("button", name="Mostrar").click()
    # Each report arrives with its own request and takes the place of its placeholder.
    expect(page.locator("svg.chart")).to_have_count(9)
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    assert _fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "reports-phone.png"), full_page=True)


@time_machine.travel(at(22, 8), tick=True)
def test_the_reports_on_a_desktop(live_server, desktop_page):
    c = clinic()
    owner = MembershipFactory(practice=c.practice, role=Role.OWNER)
    page = desktop_page
    _log_in(page, live_server, owner.user)
    page.goto(f"{live_server.url}/app/informes/?start=2026-10-19&end=2026-10-25")
    expect(page.get_by_role("cell", name="30,50 €")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(9)
    assert _fits_the_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-desktop.png"), full_page=True)
