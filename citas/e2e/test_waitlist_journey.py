"""Issue 16's waitlist journey on a phone: a full day offers "Tell me when a time is free";
the client joins; a cancellation frees a time; the email's link books it with one tap. The
practice then sees (on a desktop) who else is still waiting."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import WaitlistEntry
from citas.booking.services import appointment_book, appointment_cancel
from citas.core.factories import (
    DEFAULT_PASSWORD,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import render_notification
from citas.practices.models import Role

from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def full_day():
    """A professional working 10:00–10:30 every day, already booked in five days."""
    professional = ProfessionalFactory()
    practice = professional.practice
    for weekday in range(7):
        WorkingHoursFactory(
            professional=professional,
            weekday=weekday,
            start_time=time(10),
            end_time=time(10, 30),
        )
    service = ServiceFactory(practice=practice, professionals=[professional], duration_minutes=30)
    tz = ZoneInfo(practice.timezone)
    day = timezone.now().astimezone(tz).date() + timedelta(days=5)
    appointment = appointment_book(
        practice=practice,
        professional=professional,
        service=service,
        client=ClientFactory(practice=practice),
        start=datetime.combine(day, time(10), tzinfo=tz),
        by_client=False,
    )
    return appointment, day


def test_a_client_joins_the_waiting_list_and_claims_a_freed_time_on_a_phone(
    live_server, phone_page, full_day, browser
):
    appointment, day = full_day
    practice, service = appointment.practice, appointment.service
    page = phone_page
    page.goto(
        f"{live_server.url}{reverse('public_booking:page', args=[practice.slug])}"
        f"?service={service.pk}&professional=any&day={day:%Y-%m-%d}"
    )
    page.get_by_label("Nombre").fill("Lucía Gil")
    page.get_by_label("Correo electrónico").fill("lucia@example.com")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "waitlist-phone-join.png"), full_page=True)
    page.get_by_role("button", name="Apuntarme a la lista de espera").click()
    page.locator("[data-waitlist-waiting]").wait_for()
    entry = WaitlistEntry.objects.get()
    assert (entry.first_day, entry.status) == (day, "waiting")

    appointment_cancel(appointment=appointment, by_client=False)  # commits: the offer goes out

    offer = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER)
    path = reverse("public_booking:waitlist_offer", args=[practice.slug, entry.token])
    assert path in render_notification(offer).text
    page.goto(f"{live_server.url}{path}")
    button = page.get_by_role("button", name="Reservar esta hora")
    page.screenshot(path=str(ARTIFACTS / "waitlist-phone-offer.png"), full_page=True)
    box = button.bounding_box()
    assert box["width"] <= 390 and box["height"] >= 44
    button.click()

    page.wait_for_url("**/reserva/**")
    page.screenshot(path=str(ARTIFACTS / "waitlist-phone-booked.png"), full_page=True)
    entry.refresh_from_db()
    assert entry.status == "booked"
    assert entry.appointment.start == appointment.start

    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    staff = MembershipFactory(practice=practice, role=Role.RECEPTION).user
    WaitlistEntry.objects.create(
        practice=practice,
        service=service,
        full_name="Pablo Ruiz",
        email="pablo@example.com",
        first_day=day,
        last_day=day + timedelta(days=7),
        part_of_day="morning",
    )
    desktop.goto(f"{live_server.url}/accounts/login/")
    desktop.locator("input[name=login]").fill(staff.email)
    desktop.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    desktop.locator("form button[type=submit]").first.click()
    desktop.wait_for_load_state()
    desktop.goto(f"{live_server.url}{reverse('booking_staff:waitlist')}")
    desktop.get_by_text("Pablo Ruiz").wait_for()
    desktop.screenshot(path=str(ARTIFACTS / "waitlist-desktop-staff.png"), full_page=True)
    desktop.close()
