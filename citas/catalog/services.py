from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.practices.models import Practice, Professional
from citas.scheduling.services import schedule_version_bump

from .models import MAX_MINUTES, Service


def _check(
    *,
    practice: Practice,
    duration_minutes: int,
    price: Decimal,
    buffer_before_minutes: int,
    buffer_after_minutes: int,
    professionals: Iterable[Professional],
) -> None:
    if not 5 <= duration_minutes <= MAX_MINUTES:
        raise ServiceError(
            _("The duration must be between 5 and %(max)d minutes.") % {"max": MAX_MINUTES},
            field="duration_minutes",
        )
    if price < 0:
        raise ServiceError(_("The price cannot be negative."), field="price")
    for field, value in (
        ("buffer_before_minutes", buffer_before_minutes),
        ("buffer_after_minutes", buffer_after_minutes),
    ):
        if not 0 <= value <= MAX_MINUTES:
            raise ServiceError(
                _("A buffer must be between 0 and %(max)d minutes.") % {"max": MAX_MINUTES},
                field=field,
            )
    if any(p.practice_id != practice.pk for p in professionals):
        raise ServiceError(_("Choose professionals of this practice only."), field="professionals")


@transaction.atomic
def service_create(
    *,
    practice: Practice,
    name: str,
    duration_minutes: int,
    price: Decimal = Decimal(0),
    description: str = "",
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    color: str = "#1f6f78",
    professionals: Iterable[Professional] = (),
) -> Service:
    professionals = list(professionals)
    _check(
        practice=practice,
        duration_minutes=duration_minutes,
        price=price,
        buffer_before_minutes=buffer_before_minutes,
        buffer_after_minutes=buffer_after_minutes,
        professionals=professionals,
    )
    service = Service.objects.create(
        practice=practice,
        name=name,
        description=description,
        duration_minutes=duration_minutes,
        price=price,
        buffer_before_minutes=buffer_before_minutes,
        buffer_after_minutes=buffer_after_minutes,
        color=color,
    )
    service.professionals.set(professionals)
    return service


@transaction.atomic
def service_update(
    *,
    service: Service,
    name: str,
    duration_minutes: int,
    price: Decimal,
    description: str = "",
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    color: str = "#1f6f78",
    professionals: Iterable[Professional] = (),
) -> Service:
    professionals = list(professionals)
    _check(
        practice=service.practice,
        duration_minutes=duration_minutes,
        price=price,
        buffer_before_minutes=buffer_before_minutes,
        buffer_after_minutes=buffer_after_minutes,
        professionals=professionals,
    )
    service.name = name
    service.description = description
    service.duration_minutes = duration_minutes
    service.price = price
    service.buffer_before_minutes = buffer_before_minutes
    service.buffer_after_minutes = buffer_after_minutes
    service.color = color
    service.save()
    service.professionals.set(professionals)
    schedule_version_bump(practice_id=service.practice_id)
    return service


def service_set_active(*, service: Service, is_active: bool) -> Service:
    """Services are never deleted (appointments point at them); they are switched off."""
    service.is_active = is_active
    with transaction.atomic():
        service.save(update_fields=["is_active", "updated_at"])
        schedule_version_bump(practice_id=service.practice_id)
    return service
