"""Fixes from the phone walkthrough: what the public page offers, what it keeps after a refused
form, and what it says before and after the client acts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from citas.booking.forms import format_start
from citas.core.factories import AppointmentFactory, ProfessionalFactory, ServiceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)
MONDAY_ELEVEN = datetime(2026, 11, 30, 11, tzinfo=MADRID)


def page(client, s, query=""):
    url = reverse("public_booking:page", args=[s.practice.slug])
    return client.get(f"{url}?{query}" if query else url, HTTP_ACCEPT_LANGUAGE="es")


def test_a_service_nobody_offers_is_not_listed_and_cannot_be_chosen(client, s):
    orphan = ServiceFactory(practice=s.practice, name="Servicio huérfano", professionals=[])
    retired = ProfessionalFactory(practice=s.practice, is_active=False)
    only_retired = ServiceFactory(
        practice=s.practice, name="Solo jubilado", professionals=[retired]
    )

    content = page(client, s).content.decode()
    assert s.service.name in content
    assert "Servicio huérfano" not in content
    assert "Solo jubilado" not in content

    response = page(client, s, f"service={orphan.pk}&professional=any")
    assert response.status_code == 400
    assert "no se puede reservar" in response.content.decode()
    assert page(client, s, f"service={only_retired.pk}").status_code == 400


def test_refused_steps_are_swapped_by_htmx_too(client, s):
    content = page(client, s).content.decode()
    assert 'name="htmx-config"' in content
    assert '"code": "4..", "swap": true' in content


def test_each_step_marks_what_comes_next_for_focus(client, s):
    service = f"service={s.service.pk}"
    assert "data-step-focus" not in page(client, s).content.decode()
    who = page(client, s, service).content.decode()
    assert '<h2 class="h5" data-step-focus>¿Con quién' in who
    day = page(client, s, f"{service}&professional=any&day=2026-12-01").content.decode()
    assert 'id="slots-title" data-step-focus' in day


def test_the_chosen_time_is_highlighted_and_the_details_take_the_focus(client, s):
    start = format_start(TUESDAY_TEN)
    response = page(
        client, s, f"service={s.service.pk}&professional=any&day=2026-12-01&start={start}"
    )
    content = response.content.decode()
    link = f"?service={s.service.pk}&amp;professional=any&amp;day=2026-12-01&amp;start={start}"
    assert f'btn-primary" aria-current="true" href="{link}"' in content
    assert content.count('aria-current="true"') == 1
    assert 'id="details-title" data-step-focus' in content
    assert 'name="choice" value="any"' in content


def test_an_empty_submit_keeps_anyone_available_and_shows_the_errors(client, s):
    response = client.post(
        reverse("public_booking:submit", args=[s.practice.slug]),
        {
            "service": s.service.pk,
            "professional": s.professional.pk,
            "choice": "any",
            "start": format_start(TUESDAY_TEN),
        },
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert response.context["choice"] == "any"
    assert "professional" not in response.context
    content = response.content.decode()
    assert 'aria-invalid="true"' in content
    assert 'name="choice" value="any"' in content


def test_an_empty_submit_after_choosing_someone_keeps_them(client, s):
    response = client.post(
        reverse("public_booking:submit", args=[s.practice.slug]),
        {
            "service": s.service.pk,
            "professional": s.professional.pk,
            "choice": str(s.professional.pk),
            "start": format_start(TUESDAY_TEN),
        },
    )
    assert response.context["professional"] == s.professional


def test_booking_inside_the_cancellation_window_warns_before_confirming(client, s):
    start = format_start(MONDAY_ELEVEN)
    query = f"service={s.service.pk}&professional=any&day=2026-11-30&start={start}"
    content = page(client, s, query).content.decode()
    assert "data-late-booking" in content
    assert "no podrás cambiarla ni cancelarla en línea" in content


def test_booking_outside_the_cancellation_window_says_nothing_of_it(client, s):
    query = (
        f"service={s.service.pk}&professional=any&day=2026-12-01&start={format_start(TUESDAY_TEN)}"
    )
    assert "data-late-booking" not in page(client, s, query).content.decode()


def test_cancelling_asks_for_confirmation_first(client, s):
    appointment = AppointmentFactory(
        professional=s.professional, service=s.service, client=s.client, start=TUESDAY_TEN
    )
    content = client.get(reverse("manage:page", args=[appointment.token])).content.decode()
    details = content.split('<details class="cancel-confirm">')[1].split("</details>")[0]
    assert "<summary" in details
    assert "data-confirm-cancel" in details
    assert "data-book-again" not in content


def test_a_cancelled_appointment_offers_another_booking(client, s):
    appointment = AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=TUESDAY_TEN + timedelta(days=1),
        status="cancelled",
    )
    content = client.get(reverse("manage:page", args=[appointment.token])).content.decode()
    book_again = reverse("public_booking:page", args=[s.practice.slug])
    assert f'href="{book_again}" data-book-again' in content


def test_the_calendar_reads_out_full_dates_and_start_times(client, s):
    query = f"service={s.service.pk}&professional=any&month=2026-12"
    content = page(client, s, query).content.decode()
    assert 'aria-label="martes, 1 de diciembre de 2026: 19 horas de inicio disponibles"' in content
    assert "domingo, 6 de diciembre de 2026: sin horas libres</span>" in content
    assert 'horas libres"' not in content
