"""Client notes (often health data) reach an API caller only when the client page would show
them to the same member: reception sees them only if the practice allows it."""

import pytest
from django.urls import reverse

from citas.booking.models import Client
from citas.core.factories import ClientFactory
from citas.practices.models import Role
from citas.privacy.models import PrivacySettings

SECRET = "Alergia a la penicilina"


@pytest.fixture
def noted(clinic):
    clinic.client_record.notes = SECRET
    clinic.client_record.save(update_fields=["notes"])
    return clinic


def _reads(clinic, token):
    """Every client route that answers with client data, as (route, response)."""
    api = clinic.api(token)
    record = clinic.client_record
    duplicate = ClientFactory(practice=clinic.practice, notes=SECRET)
    return {
        "list": api.get(reverse("api:clients")),
        "search": api.get(reverse("api:clients"), {"search": record.full_name[:4]}),
        "detail": api.get(reverse("api:client", args=[record.pk])),
        "update": api.patch(
            reverse("api:client", args=[record.pk]), {"phone": "611"}, format="json"
        ),
        "create": api.post(
            reverse("api:clients"),
            {"full_name": "Nueva", "email": "nueva@example.com", "notes": SECRET},
            format="json",
        ),
        "merge": api.post(
            reverse("api:client_merge", args=[record.pk]),
            {"duplicate": duplicate.pk},
            format="json",
        ),
    }


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.PROFESSIONAL, Role.RECEPTION])
def test_notes_in_the_api_follow_the_client_page(noted, client, role):
    token = noted.member(role)
    for route, response in _reads(noted, token).items():
        assert response.status_code in (200, 201), (route, response.content)
        body = response.content.decode()
        if role == Role.RECEPTION:
            assert SECRET not in body, route
            assert '"notes"' not in body, route
        else:
            assert SECRET in body, route
    # The page says the same to the same person.
    user = noted.practice.memberships.filter(role=role).latest("pk").user
    client.force_login(user)
    page = client.get(reverse("booking_staff:client_detail", args=[noted.client_record.pk]))
    assert (SECRET in page.content.decode()) == (role != Role.RECEPTION)


def test_reception_sees_the_notes_in_the_api_when_the_practice_allows_it(noted):
    PrivacySettings.objects.create(practice=noted.practice, reception_sees_notes=True)
    for route, response in _reads(noted, noted.member(Role.RECEPTION)).items():
        assert SECRET in response.content.decode(), route
    export = noted.api(noted.member(Role.RECEPTION)).get(
        reverse("api:client_export", args=[noted.client_record.pk])
    )
    assert export.status_code == 200
    assert SECRET in export.content.decode()


def test_reception_cannot_export_or_overwrite_notes_it_may_not_see(noted):
    api = noted.api(noted.member(Role.RECEPTION))
    record = noted.client_record
    export = api.get(reverse("api:client_export", args=[record.pk]))
    assert export.status_code == 403
    assert SECRET not in export.content.decode()
    assert "notas" in export.json()["error"]["message"]
    changed = api.patch(reverse("api:client", args=[record.pk]), {"notes": ""}, format="json")
    assert changed.status_code == 403
    assert Client.objects.get(pk=record.pk).notes == SECRET
    # An owner still exports them.
    assert SECRET in noted.api().get(reverse("api:client_export", args=[record.pk])).json()[
        "profile"
    ].get("notes", "")
