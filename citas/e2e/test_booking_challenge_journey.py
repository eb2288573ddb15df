"""A guest books through the proof-of-work challenge (the self-hosted ALTCHA widget) on a phone
and on a desktop, under the strict CSP (the fixtures fail on any violation)."""

import pytest

from citas.booking.models import Appointment
from citas.e2e.test_booking_journey import _first_free_day
from citas.e2e.test_booking_journey import practice as practice  # noqa: PLC0414 — the fixture

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/tmp/citas-e2e-shots"  # noqa: S108 — screenshots for a person to look at


@pytest.fixture(autouse=True)
def challenge_always(settings):
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 0


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_a_guest_books_after_the_widget_solves_the_challenge(
    live_server, practice, page_fixture, request
):
    page = request.getfixturevalue(page_fixture)
    if page_fixture == "desktop_page":
        page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    _first_free_day(page)
    page.locator("a.slot").first.click()

    page.get_by_label("Nombre completo").fill("Marta Ruiz")
    page.get_by_label("Correo electrónico").fill("marta@example.com")
    page.locator("input[name=privacy]").check()
    widget = page.locator("altcha-widget")
    widget.get_by_text("Comprobado").wait_for()  # solved in the browser's worker
    assert page.locator("input[name=altcha]").input_value() != ""
    widget.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/booking-challenge-{page_fixture}.png", full_page=True)
    page.locator("form[action$='/reservar/'] button[type=submit]").click()

    page.locator("[data-status=confirmed]").wait_for()
    assert Appointment.objects.get().client.full_name == "Marta Ruiz"
