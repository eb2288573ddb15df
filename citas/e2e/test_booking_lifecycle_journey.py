"""Issue 4's journey: a guest books on a phone, the professional drags the appointment in the
agenda, the guest cancels from the manage link, and the new slot is bookable again."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from citas.booking.models import Appointment
from citas.core.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.notifications.models import Notification, NotificationKind
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .test_agenda_journey import Y_OF_TIME

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")
SERVICE = "Sesión de fisioterapia"


@pytest.fixture
def practice():
    """Open every day 08:00–20:00 (whatever today is), with one professional who signs in;
    clients may cancel online until an hour before."""
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro", timezone="Europe/Madrid")
    membership = MembershipFactory(practice=practice, role=Role.PROFESSIONAL)
    professional = ProfessionalFactory(
        practice=practice, membership=membership, display_name="Lucía Fernández"
    )
    for weekday in range(7):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    ServiceFactory(
        practice=practice, name=SERVICE, duration_minutes=30, professionals=[professional]
    )
    # Below the 2-hour notice, so the booked slot (tomorrow's first when the test runs in the
    # afternoon, less than the default 24 hours ahead) can still be cancelled online.
    policy = policy_for(practice)
    policy.cancellation_window_hours = 1
    policy.save()
    return practice


def _open_a_future_day(page, base, practice):
    """The second bookable day (the first may be today, half gone): its URL and first slot."""
    page.goto(f"{base}/r/{practice.slug}/")
    page.get_by_role("link", name=SERVICE).click()
    page.get_by_role("link", name="Lucía Fernández").click()
    page.locator(".booking-calendar").wait_for()
    if page.locator("a.day-cell").count() < 2:  # the month is nearly over
        page.locator("[data-next-month]").click()
        page.wait_for_url("**month=*")
    page.locator("a.day-cell").nth(1 if page.locator("a.day-cell").count() > 1 else 0).click()
    page.wait_for_url("**day=*")
    page.locator("a.slot").first.wait_for()
    return page.url


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/app/")


def _drag_one_hour_later(page, event, from_time, to_time):
    box = event.bounding_box()
    grid = page.locator(".ec-body").first.bounding_box()
    x = box["x"] + box["width"] / 2
    ys = [
        page.evaluate(Y_OF_TIME, [box["x"] + 10, grid["y"], grid["y"] + grid["height"], t])
        for t in (from_time, to_time)
    ]
    grab_y = box["y"] + 5
    page.mouse.move(x, grab_y)
    page.mouse.down()
    for step in range(1, 11):  # small steps: the widget follows the pointer frame by frame
        page.mouse.move(x, grab_y + (ys[1] - ys[0]) * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_a_guest_booking_moved_by_the_professional_and_cancelled_frees_the_new_slot(
    live_server, phone_page, desktop_page, practice
):
    base, guest, staff = live_server.url, phone_page, desktop_page

    # The guest books the first slot of a future day on a phone.
    day_url = _open_a_future_day(guest, base, practice)
    slot = guest.locator("a.slot").first
    slot.click()
    guest.get_by_label("Nombre completo").fill("José Núñez")
    guest.get_by_label("Correo electrónico").fill("jose@example.com")
    guest.locator("input[name=privacy]").check()
    guest.locator("form[action$='/reservar/'] button[type=submit]").click()
    guest.locator("[data-status=confirmed]").wait_for()
    manage_url = guest.locator("[data-manage-link]").get_attribute("href")
    appointment = Appointment.objects.get()
    booked_start = appointment.start.astimezone(MADRID)
    new_start = booked_start + timedelta(hours=1)

    # The professional sees it in the agenda's week view and drags it one hour later.
    email = practice.memberships.get(role=Role.PROFESSIONAL).user.email
    _log_in(staff, base, email)
    staff.goto(f"{base}/app/agenda/")
    staff.locator("#agenda .ec-body").first.wait_for()
    assert staff.evaluate("window.agendaCalendar.getOption('view')") == "timeGridWeek"
    staff.evaluate(
        f"window.agendaCalendar.setOption('date', new Date('{booked_start.date().isoformat()}'))"
    )
    event = staff.locator(".ec-event", has_text="José Núñez")
    event.wait_for()
    _drag_one_hour_later(staff, event, f"{booked_start:%H:%M}", f"{new_start:%H:%M}")
    staff.locator("#agenda-alert .alert-success").wait_for()

    appointment.refresh_from_db()
    assert appointment.start == new_start
    assert Notification.objects.filter(
        appointment=appointment, kind=NotificationKind.RESCHEDULED
    ).exists()

    # The guest cancels from the manage link.
    guest.goto(f"{base}{manage_url}" if manage_url.startswith("/") else manage_url)
    guest.locator(".cancel-confirm summary").click()  # asks first
    guest.locator("form[action$='/cancelar/'] button[type=submit]").click()
    guest.locator("[data-status=cancelled]").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"

    # The new slot is bookable again.
    guest.goto(day_url)
    guest.locator("a.slot").first.wait_for()
    assert guest.locator("a.slot", has_text=f"{new_start:%H:%M}").count() == 1
