import re
from datetime import time

import pytest
from huey.contrib.djhuey import HUEY
from icalendar import Calendar

from citas.booking.models import Appointment
from citas.core.factories import (
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.notifications.models import Notification

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
    return practice


@pytest.fixture
def worker_inline():
    """The Huey task enqueued on commit runs at once, as a worker would within seconds."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


def _book(page, base_url, practice):
    page.goto(f"{base_url}/r/{practice.slug}/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    page.locator(".booking-calendar").wait_for()
    # The last open day of the month (or of the next one): far enough ahead to cancel online.
    if page.locator("a.day-cell").count() < 3:
        page.locator("[data-next-month]").click()
        page.wait_for_url("**month=*")
    page.locator("a.day-cell").last.click()
    page.locator("a.slot").first.click()
    page.get_by_label("Nombre completo").fill("José Núñez")
    page.get_by_label("Correo electrónico").fill("jose@example.com")
    page.locator("input[name=privacy]").check()
    page.locator("form[action$='/reservar/'] button[type=submit]").click()
    page.locator("[data-status=confirmed]").wait_for()


def test_a_booking_emails_a_confirmation_whose_link_cancels_and_emails_the_cancellation(
    live_server, phone_page, practice, mailoutbox, worker_inline
):
    page = phone_page
    _book(page, live_server.url, practice)

    (confirmation,) = mailoutbox
    appointment = Appointment.objects.get()
    assert confirmation.to == ["jose@example.com"]
    assert confirmation.from_email.startswith("Fisio Centro <")
    assert re.search(r"\w+, \d{1,2} de \w+ de \d{4}, \d\d:\d\d", confirmation.subject)
    calendar = Calendar.from_ical(confirmation.attachments[0][1])
    assert str(calendar["METHOD"]) == "REQUEST"
    ics_link = re.search(r"http\S+/calendario\.ics", confirmation.body).group(0)
    download = page.request.get(ics_link.replace("http://testserver", live_server.url))
    assert download.ok
    assert b"BEGIN:VEVENT" in download.body()

    manage_link = re.search(r"http\S+/cita/[\w-]+/(?=\s)", confirmation.body).group(0)
    page.goto(manage_link.replace("http://testserver", live_server.url))
    page.locator(".cancel-confirm summary").click()  # asks first
    page.locator("form[action$='/cancelar/'] button[type=submit]").click()
    page.locator("[data-status=cancelled]").wait_for()

    cancellation = mailoutbox[-1]
    assert cancellation.to == ["jose@example.com"]
    assert str(Calendar.from_ical(cancellation.attachments[0][1])["METHOD"]) == "CANCEL"
    statuses = dict(
        Notification.objects.filter(appointment=appointment, recipient="jose@example.com")
        .exclude(kind="reminder")
        .values_list("kind", "status")
    )
    assert statuses == {"confirmed": "sent", "cancelled": "sent"}
    assert not Notification.objects.filter(kind="reminder", status="pending").exists()
