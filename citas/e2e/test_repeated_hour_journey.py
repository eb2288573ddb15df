"""The night the clocks go back, in the agenda: the widget draws wall-clock time, so a drop into
the repeated hour asks which of the two 02:30 is meant, and the appointment goes to that one."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from citas.booking.models import Appointment
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.core.tests.dst import autumn_change
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .conftest import log_in
from .test_agenda_journey import _drag

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")
# The next night the clocks go back (within the longest booking horizon, a year).
TODAY = datetime.now(MADRID).date()
CHANGE = next(
    change
    for year in (TODAY.year, TODAY.year + 1)
    if (change := autumn_change("Europe/Madrid", year)).day > TODAY
)


@pytest.fixture
def night():
    """A practice open 00:00–06:00 every day, with 01:00 booked on the change night."""
    member = MembershipFactory(role=Role.RECEPTION, practice__timezone="Europe/Madrid")
    practice = member.practice
    policy = policy_for(practice)
    policy.min_notice_minutes, policy.horizon_days = 0, 365
    policy.save()
    professional = ProfessionalFactory(practice=practice, display_name="Luis Gil")
    for weekday in range(7):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(0), end_time=time(6)
        )
    service = ServiceFactory(practice=practice, duration_minutes=30, professionals=[professional])
    appointment = AppointmentFactory(
        professional=professional,
        service=service,
        client=ClientFactory(practice=practice, full_name="Ana López"),
        start=datetime.combine(CHANGE.day, time(1), tzinfo=MADRID),
        end=datetime.combine(CHANGE.day, time(1, 30), tzinfo=MADRID),
    )
    return member.user, appointment


def test_a_drop_into_the_repeated_hour_asks_which_and_takes_the_second(
    live_server, desktop_page, night
):
    user, appointment = night
    page = desktop_page
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/app/agenda/")
    page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{CHANGE.day}T12:00'))")
    event = page.locator(".ec-event", has_text="Ana López")
    event.wait_for()

    _drag(page, event, event.bounding_box()["x"] + 10, "01:00", "02:30")
    alert = page.locator("#agenda-alert .alert-warning")
    alert.wait_for()
    appointment.refresh_from_db()
    assert appointment.start.astimezone(MADRID).hour == 1  # nothing moved yet

    alert.locator("[data-repeated-hour=second]").click()
    page.locator("#agenda-alert .alert-success").wait_for()
    appointment.refresh_from_db()
    second = datetime.combine(CHANGE.day, time(2, 30), tzinfo=MADRID).replace(fold=1)
    # (In UTC: PEP 495 makes a fold=1 time unequal to every time of another zone.)
    assert appointment.start == second.astimezone(UTC)
    assert appointment.end - appointment.start == timedelta(minutes=30)
    # The agenda names it: the second 02:30.
    page.locator(".ec-event", has_text="02:30 (segunda vez)").wait_for()
    assert Appointment.objects.count() == 1
