"""The walkthrough's fixes on a 390×844 phone: each step moves focus and scroll to what comes
next, shows the choice made and warns before the client trips."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from citas.catalog.models import Service
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.notifications.models import Notification, NotificationKind
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")

# Where an element sits against the viewport and the sticky navigation bar.
PLACE = """(el) => {
  const box = el.getBoundingClientRect();
  const nav = document.querySelector("nav.sticky-top").getBoundingClientRect();
  return { top: box.top, bottom: box.bottom, navBottom: nav.bottom, height: window.innerHeight,
           focused: document.activeElement === el };
}"""


@pytest.fixture
def practice():
    owner = MembershipFactory(role=Role.OWNER)
    practice = owner.practice
    practice.name, practice.phone = "Fisio Centro", "+34 910 000 000"
    practice.email = "recepcion@fisio.test"
    practice.save()
    lucia = ProfessionalFactory(practice=practice, display_name="Lucía Fernández", color="#7a2e8e")
    for weekday in range(7):
        WorkingHoursFactory(
            professional=lucia, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    ServiceFactory(practice=practice, name="Sesión de fisioterapia", professionals=[lucia])
    ServiceFactory(practice=practice, name="Servicio sin nadie", professionals=[])
    policy = policy_for(practice)
    policy.min_notice_minutes = 0
    policy.cancellation_window_hours = 1
    policy.save()
    practice.owner = owner.user
    practice.lucia = lucia
    return practice


def _in_view_and_focused(locator):
    """Focused, below the sticky header and above the fold, once the (smooth) scroll ends."""
    handle = locator.element_handle()
    try:
        locator.page.wait_for_function(
            f"(el) => {{ const p = ({PLACE})(el); "
            "return p.focused && p.top >= p.navBottom - 1 && p.bottom <= p.height; }",
            arg=handle,
            timeout=3000,
        )
    except Exception as error:
        raise AssertionError(f"next step not focused in view: {locator.evaluate(PLACE)}") from error


def _choose_first_free_time(page):
    page.locator(".booking-calendar").wait_for()
    if page.locator("a.day-cell").count() == 0:
        page.locator("[data-next-month]").click()
        page.wait_for_url("**month=*")
    page.locator("a.day-cell").last.click()
    page.wait_for_url("**day=*")
    _in_view_and_focused(page.locator("#slots-title"))
    slot = page.locator("a.slot").first
    label = slot.inner_text()
    slot.click()
    page.wait_for_url("**start=*")
    return label


def _log_in(page, base, user):
    log_in(page, base, user)


def test_each_booking_step_on_a_phone_focuses_and_shows_what_comes_next(
    live_server, phone_page, practice
):
    page = phone_page
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    assert page.get_by_role("link", name="Servicio sin nadie").count() == 0

    page.get_by_role("link", name="Sesión de fisioterapia").click()
    _in_view_and_focused(page.get_by_role("heading", name="¿Con quién quieres la cita?"))
    page.get_by_role("link", name="Cualquier profesional disponible").click()
    _in_view_and_focused(page.get_by_role("heading", name="Elige un día y una hora"))

    chosen = _choose_first_free_time(page)
    _in_view_and_focused(page.locator("#details-title"))
    current = page.locator("a.slot[aria-current=true]")
    assert current.inner_text() == chosen
    assert "btn-primary" in current.get_attribute("class")

    # An empty submit: the errors come into view and "anyone" stays "anyone".
    page.locator("form[action$='/reservar/'] button[type=submit]").click()
    page.wait_for_load_state()
    invalid = page.locator("[aria-invalid=true]").first
    _in_view_and_focused(invalid)
    assert page.locator("input[name=full_name]").get_attribute("aria-invalid") == "true"
    assert "Cualquier profesional" in page.locator(".card", has_text="Con").first.inner_text()
    assert page.locator("a.slot[aria-current=true]").inner_text() == chosen


def test_a_time_inside_the_cancellation_window_is_announced_before_confirming(
    live_server, phone_page, practice
):
    policy = policy_for(practice)
    policy.cancellation_window_hours = 24 * 60  # every free time is inside it
    policy.save()
    page = phone_page
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    _choose_first_free_time(page)

    warning = page.locator("[data-late-booking]")
    assert "no podrás cambiarla ni cancelarla en línea" in warning.inner_text()
    confirm = page.locator("form[action$='/reservar/'] button[type=submit]")
    assert warning.bounding_box()["y"] < confirm.bounding_box()["y"]


def test_a_client_reschedules_on_a_phone_and_the_practice_is_told(
    live_server, phone_page, practice
):
    start = timezone.now().astimezone(MADRID).replace(minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(
        professional=practice.lucia,
        service=practice.services.get(name="Sesión de fisioterapia"),
        client=ClientFactory(practice=practice, full_name="Marta Ruiz"),
        start=start + timedelta(days=3, hours=1),
    )
    page = phone_page
    page.goto(f"{live_server.url}/cita/{appointment.token}/")
    page.get_by_role("link", name="Elegir otra hora").click()
    _in_view_and_focused(page.locator("#reschedule-title"))
    page.locator("a.day-cell").last.click()
    page.wait_for_url("**day=*")
    _in_view_and_focused(page.locator("#slots-title"))
    page.locator("button.slot").first.click()
    page.get_by_text("Tu cita se ha cambiado").wait_for()

    notice = Notification.objects.get(kind=NotificationKind.PRACTICE_RESCHEDULED_BY_CLIENT)
    assert notice.appointment_id == appointment.pk


def test_cancelling_on_a_phone_asks_first_and_then_offers_another_booking(
    live_server, phone_page, practice
):
    appointment = AppointmentFactory(
        professional=practice.lucia,
        service=practice.services.get(name="Sesión de fisioterapia"),
        client=ClientFactory(practice=practice),
        start=timezone.now() + timedelta(days=2),
    )
    page = phone_page
    page.goto(f"{live_server.url}/cita/{appointment.token}/")
    confirm = page.locator("[data-confirm-cancel]")
    assert not confirm.is_visible()

    page.locator(".cancel-confirm summary").click()
    assert confirm.is_visible()
    appointment.refresh_from_db()
    assert appointment.status != "cancelled"  # one tap cancels nothing
    confirm.click()

    page.locator("[data-status=cancelled]").wait_for()
    page.get_by_role("link", name="Reservar otra cita").click()
    page.get_by_role("link", name="Sesión de fisioterapia").wait_for()
    assert page.url.endswith(f"/r/{practice.slug}/")


def test_prices_take_the_decimal_comma_and_times_read_24_hours(live_server, phone_page, practice):
    page = phone_page
    _log_in(page, live_server.url, practice.owner)
    page.goto(f"{live_server.url}/app/servicios/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    price = page.get_by_label("Precio")
    assert price.input_value() == "40,00"
    price.fill("35,50")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/servicios/")
    assert Service.objects.get(name="Sesión de fisioterapia").price == Decimal("35.50")

    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_label("Precio").fill("3.550,00")
    page.locator("main form button[type=submit]").click()
    assert "coma decimal" in page.locator(".invalid-feedback").inner_text()
    assert Service.objects.get(name="Sesión de fisioterapia").price == Decimal("35.50")

    # The staff booking form: a date picker and a 24-hour HH:MM box, whatever the browser.
    page.goto(f"{live_server.url}/app/agenda/nueva-cita/?start=2026-12-03T15:00")
    clock = page.get_by_label("Hora (24 h, HH:MM)")
    assert clock.input_value() == "15:00"
    assert clock.get_attribute("type") == "text"


def test_the_agenda_colours_by_professional_and_names_them_in_the_title(
    live_server, phone_page, practice
):
    service = practice.services.get(name="Sesión de fisioterapia")
    service.color = "#e6a100"
    service.save()
    day = timezone.localdate(timezone=MADRID) + timedelta(days=1)
    AppointmentFactory(
        professional=practice.lucia,
        service=service,
        client=ClientFactory(practice=practice, full_name="Ana López"),
        start=datetime.combine(day, time(10), tzinfo=MADRID),
    )
    page = phone_page
    _log_in(page, live_server.url, practice.owner)
    page.goto(f"{live_server.url}/app/agenda/")
    page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{day.isoformat()}'))")
    event = page.locator(".ec-event", has_text="Ana López")
    event.wait_for()

    # expect() re-reads the event: the calendar may draw it again once its data arrives.
    expect(event).to_have_css("background-color", "rgb(122, 46, 142)")  # Lucía's, as in the legend
    expect(event.locator(".agenda-event")).to_have_css(
        "border-left-color", "rgb(230, 161, 0)"
    )  # the service's
    assert "Sesión de fisioterapia" in event.inner_text()
    assert "Lucía Fernández" in page.locator(".ec-title").inner_text()


def test_a_new_practice_gets_a_checklist_and_copies_its_link(live_server, phone_page, db):
    owner = MembershipFactory(role=Role.OWNER)
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _log_in(page, live_server.url, owner.user)

    checklist = page.locator("[data-setup-checklist]")
    assert "Prepara tu consulta" in checklist.inner_text()
    assert page.locator("[data-not-bookable]").is_visible()
    page.get_by_role("button", name="Copiar").click()
    page.get_by_role("button", name="Copiado").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(f"/r/{owner.practice.slug}/")
