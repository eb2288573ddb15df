from decimal import Decimal

import pytest

from citas.catalog import services
from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.core.factories import PracticeFactory, ProfessionalFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def create(**overrides):
    practice = overrides.pop("practice", None) or PracticeFactory()
    fields = {"practice": practice, "name": "Masaje", "duration_minutes": 30, "price": Decimal(30)}
    return services.service_create(**(fields | overrides))


def test_it_creates_a_service_with_its_professionals():
    professional = ProfessionalFactory()

    service = create(practice=professional.practice, professionals=[professional])

    assert list(service.professionals.all()) == [professional]
    assert service.currency == "EUR"
    assert service.is_active


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 721}, "duration_minutes"),
        ({"price": Decimal("-0.01")}, "price"),
        ({"buffer_before_minutes": 1441}, "buffer_before_minutes"),
        ({"buffer_after_minutes": 721}, "buffer_after_minutes"),
    ],
)
def test_it_rejects_bad_numbers_and_saves_nothing(overrides, field):
    with pytest.raises(ServiceError) as error:
        create(**overrides)

    assert error.value.field == field
    assert not Service.objects.exists()


def test_it_rejects_a_professional_of_another_practice():
    with pytest.raises(ServiceError) as error:
        create(professionals=[ProfessionalFactory()])

    assert error.value.field == "professionals"
    assert not Service.objects.exists()


def test_deactivating_keeps_the_service():
    service = ServiceFactory()

    services.service_set_active(service=service, is_active=False)

    service.refresh_from_db()
    assert not service.is_active
    assert Service.objects.count() == 1
