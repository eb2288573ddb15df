"""A manager tunes the online booking limits on the booking rules page, on a phone and on a
desk: a limit out of range is refused in Spanish and nothing changes, a good one is saved."""

import pytest
from django.urls import reverse

from citas.core.factories import MembershipFactory
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .conftest import ARTIFACTS, PHONE, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)
DESK = {"width": 1366, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_manager_changes_the_hourly_ceiling_of_online_bookings(live_server, browser, viewport):
    owner = MembershipFactory(role=Role.OWNER)
    before = policy_for(owner.practice)
    page = _page(browser, viewport)
    try:
        log_in(page, live_server.url, owner.user)
        page.goto(f"{live_server.url}{reverse('scheduling:policy')}")
        limits = page.locator("fieldset[data-abuse-limits]")
        assert "Límites contra el abuso de la reserva en línea" in limits.inner_text()
        ceiling = page.get_by_label("Máximo de reservas en línea por hora")
        assert ceiling.input_value() == str(before.max_online_bookings_hour)

        ceiling.fill("0")
        page.get_by_role("button", name="Guardar").click()
        error = page.locator("#id_max_online_bookings_hour_error")
        error.wait_for()
        assert "mayor o igual a 1" in error.inner_text()
        unchanged = policy_for(owner.practice).max_online_bookings_hour
        assert unchanged == before.max_online_bookings_hour

        page.get_by_label("Máximo de reservas en línea por hora").fill("25")
        page.get_by_label("Citas próximas por cliente (en línea)").fill("2")
        page.get_by_role("button", name="Guardar").click()
        page.get_by_text("Cambios guardados").wait_for()

        saved = policy_for(owner.practice)
        assert (saved.max_online_bookings_hour, saved.max_upcoming_per_client) == (25, 2)
        assert saved.challenge_after_bookings_hour == before.challenge_after_bookings_hour
        assert page.get_by_label("Máximo de reservas en línea por hora").input_value() == "25"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        width = viewport["width"]
        page.screenshot(path=str(ARTIFACTS / f"booking-rules-{width}.png"), full_page=True)
        limits.screenshot(path=str(ARTIFACTS / f"booking-rules-limits-{width}.png"))
    finally:
        _close(page)
