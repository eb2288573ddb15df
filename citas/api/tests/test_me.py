from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from citas.core.factories import AppointmentFactory, ClientFactory

from .conftest import free_start


def own_appointment(clinic, user, **fields):
    record = ClientFactory(practice=clinic.practice, user=user, email=user.email)
    return AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=record,
        **{"start": free_start(days=5), **fields},
    )


def signed_in(user) -> APIClient:
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)
    return api


def test_a_client_lists_only_their_own_appointments(clinic, client_account):
    mine = own_appointment(clinic, client_account)
    AppointmentFactory(
        professional=clinic.professional, service=clinic.service, start=free_start(days=6)
    )
    response = signed_in(client_account).get(reverse("api:my_appointments"))
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert response.json()["results"][0]["practice"] == clinic.practice.slug


def test_a_client_cancels_with_the_csrf_token(clinic, client_account):
    mine = own_appointment(clinic, client_account)
    api = signed_in(client_account)
    url = reverse("api:my_appointment_cancel", args=[mine.pk])
    assert api.post(url, {}, format="json").status_code == 403  # no CSRF token
    api.get(reverse("api:tokens"))  # the page sets the CSRF cookie
    response = api.post(url, {}, format="json", HTTP_X_CSRFTOKEN=api.cookies["csrftoken"].value)
    assert response.json()["status"] == "cancelled"


def test_a_client_cannot_cancel_inside_the_window(clinic, client_account):
    api = APIClient()
    api.force_login(client_account)
    close = own_appointment(clinic, client_account, start=timezone.now() + timedelta(hours=5))
    response = api.post(reverse("api:my_appointment_cancel", args=[close.pk]), {}, format="json")
    assert response.status_code == 400
    close.refresh_from_db()
    assert close.status == "confirmed"


def test_a_client_reschedules_to_a_free_slot(clinic, client_account):
    mine = own_appointment(clinic, client_account)
    api = APIClient()
    api.force_login(client_account)
    new_start = free_start(days=6, hour=12)
    response = api.post(
        reverse("api:my_appointment_reschedule", args=[mine.pk]),
        {"start": new_start.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    mine.refresh_from_db()
    assert mine.start == new_start


def test_someone_elses_appointment_is_a_404(clinic, client_account):
    theirs = AppointmentFactory(professional=clinic.professional, service=clinic.service)
    api = APIClient()
    api.force_login(client_account)
    response = api.post(reverse("api:my_appointment_cancel", args=[theirs.pk]), {}, format="json")
    assert response.status_code == 404
