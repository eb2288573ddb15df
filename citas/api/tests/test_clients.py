from django.urls import reverse

from citas.booking.models import Client
from citas.core.factories import AppointmentFactory, ClientFactory

from .conftest import free_start


def test_clients_are_searchable_with_a_bounded_query_count(clinic, django_assert_max_num_queries):
    ClientFactory.create_batch(5, practice=clinic.practice)
    wanted = ClientFactory(practice=clinic.practice, full_name="Zoe Zzyzx")
    api = clinic.api()
    with django_assert_max_num_queries(4):
        everyone = api.get(reverse("api:clients")).json()
    assert len(everyone["results"]) == 7
    found = api.get(reverse("api:clients"), {"search": "zzyz"}).json()["results"]
    assert [row["id"] for row in found] == [wanted.pk]


def test_creating_a_client(clinic):
    body = {"full_name": "Ana Gil", "email": "ana.gil@example.com", "phone": "611"}
    response = clinic.api().post(reverse("api:clients"), body, format="json")
    assert response.status_code == 201
    assert Client.objects.get(pk=response.json()["id"]).practice == clinic.practice


def test_a_second_client_with_the_same_email_is_refused(clinic):
    body = {"full_name": "Copy", "email": clinic.client_record.email.upper()}
    response = clinic.api().post(reverse("api:clients"), body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]


def test_updating_a_client_changes_only_what_is_sent(clinic):
    record = clinic.client_record
    response = clinic.api().patch(
        reverse("api:client", args=[record.pk]), {"phone": "699"}, format="json"
    )
    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert (record.phone, record.email) == ("699", response.json()["email"])


def test_a_clients_history(clinic):
    row = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(),
    )
    response = clinic.api().get(reverse("api:client_appointments", args=[clinic.client_record.pk]))
    assert [item["id"] for item in response.json()["results"]] == [row.pk]


def merge(api, keep, duplicate):
    return api.post(
        reverse("api:client_merge", args=[keep.pk]), {"duplicate": duplicate.pk}, format="json"
    )


def test_merging_moves_the_duplicates_appointments_and_deletes_it(clinic):
    keep = clinic.client_record
    duplicate = ClientFactory(practice=clinic.practice, phone="612")
    row = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=duplicate,
        start=free_start(),
    )

    response = merge(clinic.api(), keep, duplicate)

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == keep.pk
    row.refresh_from_db()
    assert row.client == keep
    assert not Client.objects.filter(pk=duplicate.pk).exists()


def test_merging_a_client_of_another_practice_is_a_404(clinic, other_clinic):
    outsider = other_clinic.client_record

    response = merge(clinic.api(), clinic.client_record, outsider)

    assert response.status_code == 404
    assert Client.objects.filter(pk=outsider.pk).exists()


def test_merging_a_client_with_itself_is_a_field_error(clinic):
    response = merge(clinic.api(), clinic.client_record, clinic.client_record)

    assert response.status_code == 400
    assert "duplicate" in response.json()["error"]["fields"]
    assert Client.objects.filter(pk=clinic.client_record.pk).exists()
