import pytest
from django.urls import reverse

from citas.catalog.models import Service
from citas.core.factories import MembershipFactory, ProfessionalFactory, ServiceFactory
from citas.practices.models import Role

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Primera visita",
    "description": "",
    "duration_minutes": "60",
    "price": "45.50",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "10",
    "color": "#1f6f78",
}


def test_the_list_shows_the_services_with_a_fixed_number_of_queries(
    owner, owner_client, django_assert_max_num_queries
):
    professionals = ProfessionalFactory.create_batch(3, practice=owner.practice)
    ServiceFactory.create_batch(5, practice=owner.practice, professionals=professionals)
    owner_client.get(reverse("catalog:list"))  # the first request records the user session

    # 7 for session, user and usersessions; 1 for 2FA; 1 for the failed count in the nav
    with django_assert_max_num_queries(12):
        response = owner_client.get(reverse("catalog:list"))

    assert response.status_code == 200
    assert response.content.decode().count("40,00 €") == 5


def test_a_manager_creates_a_service(owner, owner_client):
    professional = ProfessionalFactory(practice=owner.practice)

    response = owner_client.post(
        reverse("catalog:create"), VALID | {"professionals": [professional.pk]}
    )

    assert response.status_code == 302
    service = Service.objects.get()
    assert service.practice == owner.practice
    assert list(service.professionals.all()) == [professional]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", "0"),
        ("price", "-5"),
        ("buffer_before_minutes", "1441"),
        ("color", "red"),
        ("name", ""),
    ],
)
def test_bad_input_shows_a_field_error_and_saves_nothing(owner_client, field, value):
    response = owner_client.post(reverse("catalog:create"), VALID | {field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Service.objects.exists()


def test_a_professional_of_another_practice_cannot_be_attached(owner_client):
    outsider = ProfessionalFactory()

    response = owner_client.post(
        reverse("catalog:create"), VALID | {"professionals": [outsider.pk]}
    )

    assert "professionals" in response.context["form"].errors
    assert not Service.objects.exists()


def test_a_manager_edits_a_service(owner, owner_client):
    service = ServiceFactory(practice=owner.practice)

    response = owner_client.post(reverse("catalog:edit", args=[service.pk]), VALID)

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Primera visita"
    assert service.buffer_after_minutes == 10


def test_deactivate_and_activate_only_by_post(owner, owner_client):
    service = ServiceFactory(practice=owner.practice)
    url = reverse("catalog:toggle", args=[service.pk])

    assert owner_client.get(url).status_code == 405
    owner_client.post(url)
    service.refresh_from_db()
    assert not service.is_active
    owner_client.post(url)
    service.refresh_from_db()
    assert service.is_active


@pytest.mark.parametrize("route", ["catalog:edit", "catalog:toggle"])
def test_another_practice_gets_404_and_nothing_changes(stranger_client, route):
    service = ServiceFactory(name="Original")

    get = stranger_client.get(reverse(route, args=[service.pk]))
    post = stranger_client.post(reverse(route, args=[service.pk]), VALID)

    assert get.status_code in (404, 405)
    assert post.status_code == 404
    service.refresh_from_db()
    assert service.name == "Original"
    assert service.is_active


@pytest.mark.parametrize("route", ["catalog:list", "catalog:create"])
def test_reception_cannot_manage_services(client, route):
    reception = MembershipFactory(role=Role.RECEPTION)
    client.force_login(reception.user)

    assert client.get(reverse(route)).status_code == 404


@pytest.mark.parametrize(
    ("route", "args"),
    [("catalog:list", []), ("catalog:create", []), ("catalog:edit", [1]), ("catalog:toggle", [1])],
)
def test_anonymous_visitors_are_sent_to_log_in(client, route, args):
    response = client.post(reverse(route, args=args))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_new_service_in_a_one_person_practice_is_offered_by_that_person(owner, owner_client):
    only = ProfessionalFactory(practice=owner.practice)

    form = owner_client.get(reverse("catalog:create")).context["form"]

    assert list(form.initial["professionals"]) == [only]


def test_a_new_service_in_a_team_starts_with_nobody_ticked(owner, owner_client):
    ProfessionalFactory.create_batch(2, practice=owner.practice)

    form = owner_client.get(reverse("catalog:create")).context["form"]

    assert "professionals" not in form.initial


def test_a_price_with_a_spanish_decimal_comma_is_saved_as_written(owner, owner_client):
    owner_client.post(reverse("catalog:create"), VALID | {"price": "35,50"})

    assert str(Service.objects.get().price) == "35.50"


def test_a_price_that_could_be_read_two_ways_is_refused_and_nothing_is_saved(owner, owner_client):
    response = owner_client.post(
        reverse("catalog:create"), VALID | {"price": "3.550,00"}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert response.status_code == 200
    assert "coma decimal" in response.content.decode()
    assert not Service.objects.exists()


def test_the_list_warns_of_a_service_nobody_offers(owner, owner_client):
    ServiceFactory(practice=owner.practice, professionals=[])

    assert "data-nobody-offers" in owner_client.get(reverse("catalog:list")).content.decode()
