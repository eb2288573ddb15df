"""A manager looks at failed notifications, dismisses one and then the rest: the badge and the
alert go, the log still shows them (filter "Solo descartadas") and can resend them."""

from datetime import timedelta

import pytest

from citas.core.factories import AppointmentFactory, MembershipFactory
from citas.notifications.models import Notification
from citas.practices.models import Role

from .conftest import ARTIFACTS, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)
WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def failures():
    appointment = AppointmentFactory(status="confirmed")
    for number, kind in enumerate(["confirmed", "reminder", "practice_new_booking"]):
        Notification.objects.create(
            practice=appointment.practice,
            appointment=appointment,
            kind=kind,
            recipient=f"marta.ruiz.con.un.correo.largo.{number}@example.com",
            due_at=appointment.start - timedelta(hours=number),
            status="failed",
            attempts=5,
            last_error="550 5.1.1 mailbox unavailable",
        )
    return appointment.practice


@pytest.fixture
def wide_page(browser):
    page = _page(browser, WIDE)
    yield page
    _close(page)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_manager_dismisses_one_failure_then_all_on_a_phone(live_server, phone_page, failures):
    owner = MembershipFactory(practice=failures, role=Role.OWNER)
    total = Notification.objects.filter(practice=failures).count()
    page = phone_page
    log_in(page, live_server.url, owner.user)

    page.goto(f"{live_server.url}/app/notificaciones/")
    alert = page.get_by_role("alert")
    alert.get_by_text(f"{total} notificaciones no se han podido enviar").wait_for()
    assert _fits_the_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notifications-dismiss-phone.png"), full_page=True)

    page.locator("ul.list-group form[action$='/descartar/'] button").first.click()
    page.get_by_text("Sigue en el registro").wait_for()
    alert.get_by_text(f"{total - 1} notificaci").wait_for()

    # "Dismiss all" asks first; saying no changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Descartar todas las fallidas").click()
    assert Notification.objects.filter(dismissed_at__isnull=True).count() == total - 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Descartar todas las fallidas").click()
    page.get_by_text("Se han descartado").wait_for()
    assert page.get_by_role("alert").filter(has_text="no se han podido").count() == 0
    assert Notification.objects.filter(dismissed_at__isnull=True).count() == 0

    page.goto(f"{live_server.url}/app/notificaciones/?dismissed=dismissed")
    assert page.locator("ul.list-group li").count() == total
    assert page.locator("ul.list-group").get_by_text("Descartada por").count() == total
    assert _fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "notifications-dismissed-phone.png"), full_page=True)


def test_the_log_with_failures_on_a_wide_screen(live_server, wide_page, failures):
    owner = MembershipFactory(practice=failures, role=Role.OWNER)
    page = wide_page
    log_in(page, live_server.url, owner.user)
    page.goto(f"{live_server.url}/app/notificaciones/")
    page.locator("table form[action$='/descartar/'] button").first.click()
    page.get_by_text("Sigue en el registro").wait_for()

    assert page.locator("table").get_by_text("Descartada por").count() == 1
    assert page.get_by_role("button", name="Descartar todas las fallidas").is_visible()
    assert _fits_the_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notifications-dismiss-wide.png"), full_page=True)
