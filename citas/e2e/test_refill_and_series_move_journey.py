"""On a phone (390×844): the practice removes a professional's time off and the waiting list
gets the freed time (the client follows the offer email actually sent and books it with one
tap); reception moves a whole weekly series to another professional from an appointment's
page. The days are counted from today and the hours cover them whole: any time of day works."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import Appointment, SeriesFrequency, WaitlistEntry
from citas.booking.series import series_book
from citas.core.factories import (
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.notifications.delivery import notifications_send_due
from citas.notifications.models import Notification, NotificationKind
from citas.practices.models import Role

from .conftest import ARTIFACTS, PHONE, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _professional(practice, name):
    person = ProfessionalFactory(practice=practice, display_name=name)
    for weekday in range(7):
        WorkingHoursFactory(
            professional=person, weekday=weekday, start_time=time(8), end_time=time(14)
        )
    return person


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_removing_time_off_offers_the_freed_time_and_the_client_books_it(
    live_server, browser, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    owner = MembershipFactory(role=Role.OWNER)
    practice = owner.practice
    professional = _professional(practice, "Luis Gil")
    service = ServiceFactory(
        practice=practice, name="Fisioterapia", professionals=[professional], duration_minutes=30
    )
    tz = ZoneInfo(practice.timezone)
    day = timezone.now().astimezone(tz).date() + timedelta(days=5)
    TimeOffFactory(
        practice=practice,
        professional=professional,
        start=datetime.combine(day, time(), tzinfo=tz),
        end=datetime.combine(day + timedelta(days=1), time(), tzinfo=tz),
    )
    entry = WaitlistEntry.objects.create(
        practice=practice,
        service=service,
        full_name="Lucía Gil",
        email="lucia@example.com",
        first_day=day,
        last_day=day,
        part_of_day="morning",
    )
    staff, client = _page(browser, PHONE), _page(browser, PHONE)
    try:
        log_in(staff, live_server.url, owner.user)
        staff.goto(f"{live_server.url}{reverse('scheduling:time_off')}")
        ARTIFACTS.mkdir(exist_ok=True)
        staff.screenshot(path=str(ARTIFACTS / "refill-phone-time-off.png"), full_page=True)
        assert _fits_the_phone(staff)
        staff.locator("form[action*='/ausencias/'][action$='/borrar/'] button").click()
        staff.get_by_text("Ausencia eliminada.").wait_for()

        entry.refresh_from_db()
        assert entry.status == "offered"
        assert entry.offered_start == datetime.combine(day, time(8), tzinfo=tz)
        notifications_send_due(now=timezone.now(), batch=10, worker_id="e2e")
        (message,) = [m for m in mail.outbox if "lucia@example.com" in m.to]
        claim = re.search(r"https?://\S+/lista-de-espera/[^/\s]+/(?=\s)", message.body).group(0)

        client.goto(claim)
        button = client.get_by_role("button", name="Reservar esta hora")
        client.screenshot(path=str(ARTIFACTS / "refill-phone-offer.png"), full_page=True)
        button.click()
        client.wait_for_url("**/reserva/**")
        assert _fits_the_phone(client)
    finally:
        _close(staff)
        _close(client)
    entry.refresh_from_db()
    assert entry.status == "booked"
    assert (entry.appointment.professional, entry.appointment.start) == (
        professional,
        datetime.combine(day, time(8), tzinfo=tz),
    )
    assert Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER).count() == 1


def test_reception_moves_a_whole_series_to_another_professional_on_a_phone(live_server, browser):
    member = MembershipFactory(role=Role.RECEPTION)
    practice = member.practice
    luis, ana = _professional(practice, "Luis Gil"), _professional(practice, "Ana Prieto")
    service = ServiceFactory(practice=practice, name="Fisioterapia", professionals=[luis, ana])
    tz = ZoneInfo(practice.timezone)
    first = datetime.combine(
        timezone.now().astimezone(tz).date() + timedelta(days=2), time(10), tzinfo=tz
    )
    series = series_book(
        practice=practice,
        professional=luis,
        service=service,
        client=ClientFactory(practice=practice, email="marta@example.com"),
        frequency=SeriesFrequency.WEEKLY,
        starts=[first + timedelta(weeks=n) for n in range(3)],
    )
    appointments = list(series.appointments.order_by("start"))
    starts = [a.start for a in appointments]
    page = _page(browser, PHONE)
    page.context.set_default_timeout(30_000)  # a shared two-core machine can be slow to answer
    try:
        log_in(page, live_server.url, member.user)
        page.goto(
            f"{live_server.url}"
            f"{reverse('booking_staff:appointment_detail', args=[appointments[0].pk])}"
        )
        page.get_by_text("Cambiar de hora", exact=True).click()
        form = page.locator("form[action$='/reprogramar/']")
        form.locator("select[name=professional]").select_option(str(ana.pk))
        form.locator("#move-scope").select_option("all")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "series-move-phone.png"), full_page=True)
        assert _fits_the_phone(page)
        form.locator("button[type=submit]").click()
        page.get_by_text("Citas movidas.").wait_for()
    finally:
        _close(page)
    moved = Appointment.objects.filter(series=series).order_by("start")
    assert [(a.professional_id, a.start) for a in moved] == [(ana.pk, start) for start in starts]
    (email,) = Notification.objects.filter(
        kind=NotificationKind.RESCHEDULED, channel="email", status="pending"
    )
    assert len(email.payload["series"]) == 3
