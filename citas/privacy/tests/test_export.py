import io
import json
import zipfile

import pytest
from django.urls import reverse

from citas.api.models import every_scope
from citas.core.factories import MembershipFactory, UserFactory
from citas.practices.models import Role
from citas.privacy.models import AuditAction, AuditEntry, ConsentChannel
from citas.privacy.services import consent_record

from .conftest import member_of


def unzip(response) -> tuple[dict, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["datos.json", "resumen.html"]
    return json.loads(archive.read("datos.json")), archive.read("resumen.html").decode()


def test_staff_export_holds_profile_appointments_notes_consents_and_messages(client, s, person):
    consent_record(client=person, purpose="sms", granted=True, channel=ConsentChannel.STAFF)
    staff = member_of(s.practice, Role.PROFESSIONAL)
    client.force_login(staff.user)

    response = client.get(reverse("privacy:client_export", args=[person.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data, summary = unzip(response)
    assert data["profile"]["full_name"] == "Lucía Privada"
    assert data["profile"]["notes"] == "Alergia al látex"
    assert [a["status"] for a in data["appointments"]] == ["completed", "confirmed"]
    assert data["appointments"][0]["notes"] == "Primera visita"
    assert data["consents"][0]["purpose"] == "sms"
    assert "Lucía Privada" in summary and "Alergia al látex" in summary
    entry = AuditEntry.objects.get(action=AuditAction.CLIENT_EXPORTED)
    assert entry.actor == staff.user and entry.object_id == str(person.pk)
    assert entry.ip == "127.0.0.1"


def test_the_export_lists_the_messages_sent(client, s, person, logged_owner):
    from citas.booking.services import appointment_cancel

    appointment_cancel(appointment=person.appointments.get(status="confirmed"), by_client=True)

    data, _summary = unzip(logged_owner.get(reverse("privacy:client_export", args=[person.pk])))

    kinds = {(n["kind"], n["recipient"]) for n in data["notifications"]}
    assert ("cancelled", "lucia@example.com") in kinds


def test_the_client_downloads_their_data_from_mis_citas(client, s, person):
    user = UserFactory(email="lucia@example.com", verified=True)
    client.force_login(user)

    response = client.get(reverse("my_data:export", args=[s.practice.slug]))

    data, _summary = unzip(response)
    assert data["profile"]["email"] == "lucia@example.com"
    assert data["practice"]["name"] == s.practice.name
    page = client.get(reverse("home")).content.decode()
    assert reverse("my_data:export", args=[s.practice.slug]) in page


def test_a_client_account_gets_404_for_a_practice_where_it_has_no_record(client, s, person):
    client.force_login(UserFactory(email="otra@example.com", verified=True))

    assert client.get(reverse("my_data:export", args=[s.practice.slug])).status_code == 404


def test_an_unverified_email_does_not_give_access_to_a_record(client, s, person):
    client.force_login(UserFactory(email="lucia@example.com", verified=False))

    assert client.get(reverse("my_data:export", args=[s.practice.slug])).status_code == 404


@pytest.mark.django_db
def test_another_practice_cannot_export_the_client(client, s, person):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    assert client.get(reverse("privacy:client_export", args=[person.pk])).status_code == 404
    assert not AuditEntry.objects.exists()


def test_the_api_exports_the_same_json_and_audits_it(s, person):
    from rest_framework.test import APIClient

    from citas.api.services import api_token_create

    owner = member_of(s.practice, Role.OWNER)
    _token, secret = api_token_create(
        user=owner.user, practice=s.practice, name="t", scopes=every_scope()
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = api.get(reverse("api:client_export", args=[person.pk]))

    assert response.status_code == 200
    assert response.json()["profile"]["phone"] == "+34600111222"
    assert len(response.json()["appointments"]) == 2
    assert AuditEntry.objects.filter(action=AuditAction.CLIENT_EXPORTED).count() == 1


def test_reading_a_client_through_the_api_is_audited(s, person):
    from rest_framework.test import APIClient

    from citas.api.services import api_token_create

    owner = member_of(s.practice, Role.OWNER)
    _token, secret = api_token_create(
        user=owner.user, practice=s.practice, name="t", scopes=every_scope()
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert api.get(reverse("api:client", args=[person.pk])).status_code == 200

    entry = AuditEntry.objects.get(action=AuditAction.CLIENT_VIEWED)
    assert entry.actor == owner.user and entry.data == {"via": "api"}
