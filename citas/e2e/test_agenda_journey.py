from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from citas.booking.models import Appointment
from citas.core.factories import (
    DEFAULT_PASSWORD,
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")

# The y coordinate of a wall-clock time in the day column at x (the widget's own hit test).
Y_OF_TIME = """([x, top, bottom, wanted]) => {
  for (let y = top; y < bottom; y += 1) {
    const info = window.agendaCalendar.dateFromPoint(x, y);
    if (info && info.date.toTimeString().slice(0, 5) === wanted) return y;
  }
  return null;
}"""


@pytest.fixture
def agenda_week():
    """A practice open every day 09:00–14:00 with tomorrow's 10:00 and 12:00 booked."""
    owner = MembershipFactory(role=Role.RECEPTION)
    practice = owner.practice
    policy = policy_for(practice)
    policy.min_notice_minutes = 0
    policy.save()
    professional = ProfessionalFactory(practice=practice, display_name="Luis Gil")
    for weekday in range(7):
        WorkingHoursFactory(professional=professional, weekday=weekday, end_time=time(14))
    service = ServiceFactory(
        practice=practice, name="Fisioterapia", color="#1f6f78", professionals=[professional]
    )
    day = timezone.localdate(timezone=MADRID) + timedelta(days=1)
    ten = datetime.combine(day, time(10), tzinfo=MADRID)
    moving = AppointmentFactory(
        professional=professional,
        service=service,
        client=ClientFactory(practice=practice, full_name="Ana López"),
        start=ten,
    )
    AppointmentFactory(
        professional=professional,
        service=service,
        client=ClientFactory(practice=practice, full_name="Pere Soler"),
        start=ten + timedelta(hours=2),
    )
    return owner.user, moving, day


def _log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/app/")


def _drag(page, event, day_label_x, from_time, to_time):
    box = event.bounding_box()
    grid = page.locator(".ec-body").first.bounding_box()
    x = box["x"] + box["width"] / 2
    ys = [
        page.evaluate(Y_OF_TIME, [day_label_x, grid["y"], grid["y"] + grid["height"], t])
        for t in (from_time, to_time)
    ]
    grab_y = box["y"] + 5
    page.mouse.move(x, grab_y)
    page.mouse.down()
    # Small steps with pauses: the widget follows the pointer frame by frame.
    for step in range(1, 11):
        page.mouse.move(x, grab_y + (ys[1] - ys[0]) * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_staff_drag_an_appointment_to_a_free_slot_and_a_taken_one_snaps_back(
    live_server, desktop_page, agenda_week
):
    user, appointment, day = agenda_week
    page = desktop_page
    _log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/app/agenda/")
    # Tomorrow may be in next week's view (on Sundays): show its week.
    page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{day.isoformat()}'))")
    event = page.locator(".ec-event", has_text="Ana López")
    event.wait_for()
    page.get_by_text("Pere Soler").wait_for()

    x = event.bounding_box()["x"] + 10
    _drag(page, event, x, "10:00", "11:00")
    page.locator("#agenda-alert .alert-success").wait_for()

    appointment.refresh_from_db()
    assert appointment.start.astimezone(MADRID).time() == time(11)

    # Grab the event only once the refetch after the move has drawn it again.
    event = page.locator(".ec-event", has_text="11:00 Ana López")
    event.wait_for()
    _drag(page, event, x, "11:00", "12:00")
    alert = page.locator("#agenda-alert .alert-danger")
    alert.wait_for()

    appointment.refresh_from_db()
    assert appointment.start.astimezone(MADRID).time() == time(11)
    assert alert.inner_text().strip()
    # Snapped back: the event is drawn at 11:00 again.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.ec-event')].some(
             e => e.textContent.includes('11:00 Ana López'))"""
    )
    assert Appointment.objects.count() == 2


def test_staff_stretch_an_appointment_to_make_it_longer(live_server, desktop_page, agenda_week):
    user, appointment, day = agenda_week
    length = appointment.end - appointment.start
    page = desktop_page
    _log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/app/agenda/")
    page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{day.isoformat()}'))")
    event = page.locator(".ec-event", has_text="Ana López")
    event.wait_for()
    event.hover()
    grid = page.locator(".ec-body").first.bounding_box()
    column_x = event.bounding_box()["x"] + 10
    ten, half_past = (
        page.evaluate(Y_OF_TIME, [column_x, grid["y"], grid["y"] + grid["height"], t])
        for t in ("10:00", "10:30")
    )
    handle = event.locator(".ec-resizer").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y + (half_past - ten) * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.locator("#agenda-alert .alert-success").wait_for()

    appointment.refresh_from_db()
    assert appointment.end - appointment.start == length + timedelta(minutes=30)
    assert appointment.start.astimezone(MADRID).time() == time(10)


# Delays the feed's answers for the week first shown, as a slow network would.
SLOW_FIRST_WEEK = """(() => {
  const original = window.fetch;
  let first = null;
  window.fetch = (url, options) => {
    const answer = original(url, options);
    if (!String(url).includes("/agenda/eventos/")) return answer;
    const start = new URL(url, location.href).searchParams.get("start");
    first = first || start;
    if (start !== first) return answer;
    const later = (response) => new Promise((done) => setTimeout(() => done(response), 1500));
    return answer.then(later);
  };
})();"""


def test_a_slow_answer_for_the_week_left_behind_never_replaces_the_week_shown(
    live_server, desktop_page, agenda_week
):
    user, appointment, day = agenda_week
    page = desktop_page
    _log_in(page, live_server.url, user)
    page.add_init_script(SLOW_FIRST_WEEK)
    page.goto(f"{live_server.url}/app/agenda/")
    # Straight to a week later, while the first week's answer is still on its way.
    later = day + timedelta(days=7)
    AppointmentFactory(
        professional=appointment.professional,
        service=appointment.service,
        client=ClientFactory(practice=appointment.practice, full_name="Marta Vidal"),
        start=datetime.combine(later, time(9), tzinfo=MADRID),
    )
    page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{later.isoformat()}'))")
    page.locator(".ec-event", has_text="Marta Vidal").wait_for()
    page.wait_for_timeout(2500)  # the first week's answer has arrived by now
    assert page.locator(".ec-event", has_text="Marta Vidal").is_visible()
