"""The waiting list in the API: the practice's open entries per service, taking one off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import WaitlistEntry, WaitlistStatus
from citas.core.factories import ServiceFactory, UserFactory, enable_two_factor
from citas.practices.models import Role

pytestmark = pytest.mark.django_db


def entry_of(clinic, service=None, **fields) -> WaitlistEntry:
    today = timezone.localdate()
    return WaitlistEntry.objects.create(
        practice=clinic.practice,
        service=service or clinic.service,
        full_name=fields.pop("full_name", "Ana Ruiz"),
        email=fields.pop("email", "ana@example.com"),
        first_day=today + timedelta(days=1),
        last_day=today + timedelta(days=7),
        **fields,
    )


def test_staff_list_the_open_entries_of_one_service_oldest_first(clinic):
    other_service = ServiceFactory(practice=clinic.practice, professionals=[clinic.professional])
    first = entry_of(clinic, email="a@example.com")
    second = entry_of(clinic, email="b@example.com", professional=clinic.professional)
    entry_of(clinic, service=other_service, email="c@example.com")
    entry_of(clinic, email="d@example.com", status=WaitlistStatus.LEFT)

    response = clinic.api().get(reverse("api:waitlist"), {"service": clinic.service.pk})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    assert rows[1]["professional"] == clinic.professional.pk
    assert rows[0]["status"] == "waiting"


def test_without_a_service_every_open_entry_is_listed(clinic):
    other_service = ServiceFactory(practice=clinic.practice)
    entries = [entry_of(clinic), entry_of(clinic, service=other_service)]

    response = clinic.api().get(reverse("api:waitlist"))

    assert [row["id"] for row in response.json()["results"]] == [e.pk for e in entries]


def test_a_bad_service_filter_is_a_400(clinic):
    response = clinic.api().get(reverse("api:waitlist"), {"service": "x"})

    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]


def test_staff_take_someone_off_the_list(clinic):
    entry = entry_of(clinic)

    response = clinic.api().post(reverse("api:waitlist_remove", args=[entry.pk]), {}, "json")

    assert response.status_code == 200
    assert response.json()["status"] == "left"
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT


def test_another_practice_neither_lists_nor_removes_the_entries(clinic, other_clinic):
    entry = entry_of(clinic)
    api = other_clinic.api()

    listed = api.get(reverse("api:waitlist"), {"service": clinic.service.pk})
    removed = api.post(reverse("api:waitlist_remove", args=[entry.pk]), {}, "json")

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert removed.status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.RECEPTION, 200), (Role.ADMIN, 200), (Role.PROFESSIONAL, 403)],
)
def test_reception_and_admins_manage_the_list_professionals_do_not(clinic, role, expected):
    entry = entry_of(clinic)
    api = clinic.api(clinic.member(role))

    assert api.get(reverse("api:waitlist")).status_code == expected
    response = api.post(reverse("api:waitlist_remove", args=[entry.pk]), {}, "json")
    assert response.status_code == expected


def test_a_token_without_the_appointments_scopes_is_refused(clinic):
    entry = entry_of(clinic)
    reader = clinic.api(clinic.token_for(clinic.user, scopes=["appointments:read"]))

    assert reader.get(reverse("api:waitlist")).status_code == 200
    removed = reader.post(reverse("api:waitlist_remove", args=[entry.pk]), {}, "json")
    assert removed.status_code == 403
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


def test_the_admin_takes_people_off_the_list(client, clinic):
    operator = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(operator)
    client.force_login(operator)
    entry = entry_of(clinic)
    url = reverse("admin:booking_waitlistentry_changelist")

    response = client.post(url, {"action": "take_off_the_list", "_selected_action": [entry.pk]})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
    assert client.get(url, {"q": "ana"}).status_code == 200


def test_the_list_costs_the_same_queries_for_a_page_of_any_size(
    clinic, django_assert_max_num_queries
):
    for n in range(30):
        entry_of(clinic, email=f"p{n}@example.com", professional=clinic.professional)
    api = clinic.api()

    with django_assert_max_num_queries(4):
        response = api.get(reverse("api:waitlist"), {"page_size": 25})

    assert len(response.json()["results"]) == 25
