"""Issue 16's journey: a client opens the "I'll be there" link of a reminder on a phone and
confirms with one tap; the staff list then shows the appointment as confirmed by the client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import Appointment
from citas.core.factories import AppointmentFactory, MembershipFactory, ProfessionalFactory
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import render_notification
from citas.notifications.services import on_appointment_event
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .conftest import ARTIFACTS, PHONE, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def appointment():
    start = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(start=start)
    policy = policy_for(appointment.practice)
    policy.confirmation_request_hours = 48
    policy.release_unconfirmed_hours = 24
    policy.save()
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    return appointment


def _link(appointment, name: str, live_server) -> str:
    """The link as the email gives it, pointed at the live server."""
    request = Notification.objects.get(
        appointment=appointment, kind=NotificationKind.CONFIRMATION_REQUEST
    )
    text = render_notification(request).text
    path = reverse(f"manage:{name}", args=[appointment.token])
    assert path in text
    return f"{live_server.url}{path}"


def test_the_client_confirms_from_the_email_link_on_a_phone(live_server, phone_page, appointment):
    page = phone_page
    page.goto(_link(appointment, "attend", live_server))

    button = page.get_by_role("button", name="Confirmo que iré")
    button.wait_for()
    assert Appointment.objects.get(pk=appointment.pk).client_confirmed_at is None  # GET only
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-before.png"), full_page=True)
    box = button.bounding_box()
    assert box["width"] <= 390 and box["height"] >= 44  # a thumb-sized button, no overflow

    button.click()

    page.locator("[data-attendance-confirmed]").wait_for()
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-after.png"), full_page=True)
    assert Appointment.objects.get(pk=appointment.pk).client_confirmed_at is not None
    assert page.get_by_role("button", name="Confirmo que iré").count() == 0


def test_the_client_cannot_come_and_cancels_from_a_phone(live_server, phone_page, appointment):
    page = phone_page
    page.goto(_link(appointment, "decline", live_server))

    page.get_by_role("button", name="No podré ir: cancelar la cita").click()

    page.locator("[data-attendance-declined]").wait_for()
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-declined.png"), full_page=True)
    assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 900}], ids=["phone", "desk"])
def test_reception_lists_the_appointments_not_confirmed_yet(live_server, browser, viewport):
    member = MembershipFactory(role=Role.RECEPTION)
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    professional = ProfessionalFactory(practice=member.practice)
    waiting = AppointmentFactory(professional=professional, start=start)
    AppointmentFactory(
        professional=professional,
        start=start + timedelta(hours=2),
        client_confirmed_at=timezone.now(),
    )
    page = _page(browser, viewport)
    try:
        log_in(page, live_server.url, member.user)
        page.goto(f"{live_server.url}{reverse('booking_staff:appointment_list')}?tab=upcoming")
        page.get_by_label("Asistencia").select_option(label="Sin confirmar")
        page.get_by_role("button", name="Filtrar").click()
        page.wait_for_url("**attendance=unconfirmed**")

        rows = page.locator(".list-group a.list-group-item")
        assert rows.count() == 1
        assert waiting.client.full_name in rows.first.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]  # the filters wrap, nothing overflows
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"attendance-filter-{viewport['width']}.png"), full_page=True
        )
    finally:
        _close(page)
