import logging

import pytest
from django.urls import reverse

from citas.core.factories import ClientFactory
from citas.notifications.channels import ConsoleSmsBackend
from citas.notifications.models import CalendarFeed
from citas.practices.models import Role
from citas.privacy.models import PrivacySettings
from citas.privacy.selectors import client_initials

from .conftest import member_of


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Lucía Gómez Ruiz", "L. G. R."), ("  ana  ", "a."), ("", ""), ("Ñandú 3", "Ñ.")],
)
def test_initials(name, initials):
    assert client_initials(name) == initials


def test_calendar_feeds_show_initials_unless_the_practice_chooses_names(client, s, person):
    feed = CalendarFeed.objects.create(professional=s.professional)
    url = reverse("notifications:feed", args=[feed.token])

    by_default = client.get(url).content.decode()
    PrivacySettings.objects.create(practice=s.practice, feed_shows_names=True)
    with_names = client.get(url).content.decode()

    assert "Lucía Privada" not in by_default and "L. P. · " in by_default
    assert "Lucía Privada" in with_names


def test_reception_does_not_see_client_notes_unless_allowed(client, s):
    person = ClientFactory(practice=s.practice, notes="Historial delicado")
    client.force_login(member_of(s.practice, Role.RECEPTION).user)
    url = reverse("booking_staff:client_detail", args=[person.pk])

    hidden = client.get(url).content.decode()
    edit_form = client.get(reverse("booking_staff:client_edit", args=[person.pk])).content.decode()
    PrivacySettings.objects.create(practice=s.practice, reception_sees_notes=True)
    shown = client.get(url).content.decode()

    assert "Historial delicado" not in hidden and "Historial delicado" not in edit_form
    assert "Historial delicado" in shown


def test_reception_editing_a_client_keeps_the_notes_it_cannot_see(client, s):
    person = ClientFactory(practice=s.practice, notes="Historial delicado")
    client.force_login(member_of(s.practice, Role.RECEPTION).user)

    client.post(
        reverse("booking_staff:client_edit", args=[person.pk]),
        {"full_name": "Nuevo", "email": person.email, "phone": ""},
    )

    person.refresh_from_db()
    assert (person.full_name, person.notes) == ("Nuevo", "Historial delicado")


def test_professionals_see_the_notes(client, s):
    person = ClientFactory(practice=s.practice, notes="Historial delicado")
    client.force_login(member_of(s.practice, Role.PROFESSIONAL).user)

    page = client.get(reverse("booking_staff:client_detail", args=[person.pk])).content.decode()

    assert "Historial delicado" in page


def test_sms_texts_and_phone_numbers_stay_out_of_the_info_log(caplog):
    with caplog.at_level(logging.INFO, logger="citas.notifications.channels"):
        ConsoleSmsBackend().send(to="+34600111222", body="Tu cita en Fisio el lunes")

    info = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "SMS sent" in info
    assert "600111222" not in info and "Fisio" not in info


def test_reception_cannot_export_the_notes_it_may_not_see(client, s):
    person = ClientFactory(practice=s.practice, notes="Historial delicado")
    client.force_login(member_of(s.practice, Role.RECEPTION).user)

    page = client.get(reverse("booking_staff:client_detail", args=[person.pk])).content.decode()
    response = client.get(reverse("privacy:client_export", args=[person.pk]))

    assert reverse("privacy:client_export", args=[person.pk]) not in page
    assert response.status_code == 404
