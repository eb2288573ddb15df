"""Staff dates and times read day/month/year and 24 h even in an American browser."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from citas.booking.models import Appointment
from citas.core.factories import (
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role

from .conftest import DESKTOP, log_in

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def american_page(browser):
    # Chromium in en-US shows a native date box as mm/dd/yyyy and a time box as "03:00 PM".
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="Europe/Madrid")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_reception_books_at_15_00_typed_in_an_american_browser(live_server, american_page):
    member = MembershipFactory(role=Role.RECEPTION)
    practice = member.practice
    person = ProfessionalFactory(practice=practice, display_name="Luis Gil")
    for weekday in range(7):
        WorkingHoursFactory(
            professional=person, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    ServiceFactory(practice=practice, name="Fisioterapia", professionals=[person])
    day = timezone.localdate(timezone=MADRID) + timedelta(days=7)
    page = american_page
    log_in(page, live_server.url, member.user)
    page.goto(f"{live_server.url}/app/agenda/")
    page.evaluate(
        """(start) => htmx.ajax("GET", "/app/agenda/nueva-cita/?start=" + start,
             { target: "#book-modal-body", swap: "innerHTML" })
           .then(() => bootstrap.Modal.getOrCreateInstance("#book-modal").show())""",
        f"{day.isoformat()}T09:00",
    )
    date_box = page.get_by_label("Date (day/month/year)")
    clock = page.get_by_label("Time (24 h, HH:MM)")
    assert date_box.get_attribute("type") == "text" and clock.get_attribute("type") == "text"
    assert date_box.input_value() == day.strftime("%d/%m/%Y")

    clock.fill("3:00 PM")  # what an American browser would have shown: refused, not guessed
    modal = page.locator("#book-modal")
    modal.get_by_label("Service").select_option(label="Fisioterapia")
    modal.get_by_label("Professional").select_option(label="Luis Gil")
    modal.get_by_label("Full name", exact=True).fill("Ana López")
    modal.get_by_label("Email", exact=True).fill("ana@example.com")
    modal.locator("button[type=submit]").click()
    assert "HH:MM (24 h)" in modal.locator(".invalid-feedback").first.inner_text()
    assert not Appointment.objects.exists()

    page.get_by_label("Date (day/month/year)").fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Time (24 h, HH:MM)").fill("15:00")
    modal.locator("button[type=submit]").click()
    page.wait_for_function("() => !document.querySelector('#book-form .is-invalid')")
    page.locator("#book-modal-body", has_text="Ana López").wait_for()

    appointment = Appointment.objects.get()
    assert appointment.start == datetime.combine(day, time(15), tzinfo=MADRID)
