"""Booking a weekly series from the agenda's dialog on a phone and on a desktop: the dates
are listed with their conflicts, one is skipped, the rest are booked as one series."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from citas.booking.models import AppointmentSeries
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role

from .conftest import ARTIFACTS, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")
OPEN_BOOKING = """([url]) => htmx.ajax("GET", url, {target: "#book-modal-body", swap: "innerHTML"})
  .then(() => bootstrap.Modal.getOrCreateInstance(document.getElementById("book-modal")).show())"""


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_staff_preview_skip_and_book_a_weekly_series(live_server, browser, viewport):
    member = MembershipFactory(role=Role.RECEPTION)
    professional = ProfessionalFactory(practice=member.practice, display_name="Luis Gil")
    for weekday in range(7):
        WorkingHoursFactory(professional=professional, weekday=weekday, end_time=time(14))
    service = ServiceFactory(
        practice=member.practice, name="Fisioterapia", professionals=[professional]
    )
    first = datetime.combine(
        timezone.localdate(timezone=MADRID) + timedelta(days=2), time(10), tzinfo=MADRID
    )
    AppointmentFactory(
        professional=professional,
        service=service,
        client=ClientFactory(practice=member.practice),
        start=first + timedelta(weeks=1),
    )
    width, height = viewport
    page = _page(browser, {"width": width, "height": height})
    page.context.set_default_timeout(30_000)  # a shared two-core machine can be slow to answer
    try:
        log_in(page, live_server.url, member.user)
        page.goto(f"{live_server.url}/app/agenda/")
        url = f"/app/agenda/nueva-cita/?start={first:%Y-%m-%dT%H:%M}&professional={professional.pk}"
        page.evaluate(OPEN_BOOKING, [url])
        form = page.locator("#book-form")
        form.locator("select[name=service]").select_option(str(service.pk))
        form.locator("input[name=full_name]").fill("Marta Ruiz")
        form.locator("input[name=email]").fill("marta@example.com")
        form.locator("select[name=frequency]").select_option("weekly")
        form.locator("input[name=count]").fill("4")
        form.locator("button[type=submit]").click()

        rows = page.locator("#series-preview li")
        rows.first.wait_for()
        assert rows.count() == 4
        assert "Ocupada" in rows.nth(1).inner_text()
        assert not rows.nth(1).locator("input[name=keep]").is_checked()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"series-preview-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow

        page.locator("#book-form button[type=submit]").click()
        page.locator("[data-series-booked]").wait_for()
        page.screenshot(path=str(ARTIFACTS / f"series-booked-{width}.png"), full_page=True)
        series = AppointmentSeries.objects.get()
        assert series.appointments.count() == 3
    finally:
        _close(page)
