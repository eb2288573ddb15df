from datetime import time

import pytest

from citas.booking.models import Appointment
from citas.core.factories import (
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.scheduling.selectors import policy_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def practice():
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro", address="Calle Colón 5")
    professional = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    for weekday in range(7):  # every day, so that the test finds a slot whatever today is
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    ServiceFactory(practice=practice, name="Sesión de fisioterapia", professionals=[professional])
    policy = policy_for(practice)
    policy.cancellation_window_hours = (
        1  # below the 2-hour notice: any new booking can be cancelled
    )
    policy.save()
    return practice


def _first_free_day(page):
    page.locator(".booking-calendar").wait_for()
    if page.locator("a.day-cell").count() == 0:  # the rest of this month is closed
        page.locator("[data-next-month]").click()
        page.wait_for_url("**month=*")
    page.locator("a.day-cell").first.click()
    page.wait_for_url("**day=*")
    page.locator("a.slot").first.wait_for()


def test_a_guest_books_cancels_from_the_manage_link_and_the_slot_is_free_again(
    live_server, phone_page, practice
):
    page = phone_page
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("heading", name="Fisio Centro").wait_for()

    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    _first_free_day(page)
    slot = page.locator("a.slot").first
    slot_time = slot.inner_text()
    slot.click()

    page.get_by_label("Nombre completo").fill("José Ñúñez 👍")
    page.get_by_label("Correo electrónico").fill("jose@example.com")
    page.get_by_role("textbox", name="Teléfono").fill("+34 600 000 000")
    page.locator("input[name=privacy]").check()
    page.locator("form[action$='/reservar/'] button[type=submit]").click()

    page.locator("[data-status=confirmed]").wait_for()
    appointment = Appointment.objects.get()
    assert appointment.client.full_name == "José Ñúñez 👍"
    assert slot_time in page.locator(".appointment-summary").inner_text()

    page.locator("[data-manage-link]").click()
    page.locator(".cancel-confirm summary").click()  # asks first
    page.locator("form[action$='/cancelar/'] textarea").fill("Me ha surgido un imprevisto")
    page.locator("form[action$='/cancelar/'] button[type=submit]").click()

    page.locator("[data-status=cancelled]").wait_for()
    assert page.locator("form[action$='/cancelar/']").count() == 0
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"

    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    _first_free_day(page)
    assert page.locator("a.slot", has_text=slot_time).count() == 1
