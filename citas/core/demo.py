"""The demo practice that `make run` loads. Idempotent: running it again changes nothing."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from citas.accounts.models import User
from citas.booking import services as booking_services
from citas.booking.models import Appointment, Client
from citas.catalog.models import Service
from citas.notifications.services import notifications_cancel_pending
from citas.practices.models import Membership, Practice, Professional, Role
from citas.practices.services import STARTER_HOURS
from citas.scheduling import services as scheduling_services
from citas.scheduling.models import TimeOff, WorkingHours
from citas.scheduling.selectors import policy_for

DEMO_SLUG = "clinica-demo"

DEMO_PEOPLE = [
    # email, full name, role in the practice (None: a client account), bookable, colour
    ("ana@demo.test", "Ana García", Role.OWNER, True, "#1f6f78"),
    ("luis@demo.test", "Luis Martín", Role.PROFESSIONAL, True, "#6f42c1"),
    ("marta@demo.test", "Marta Ruiz", Role.PROFESSIONAL, True, "#d63384"),
    ("recepcion@demo.test", "Carmen López", Role.RECEPTION, False, ""),
    ("cliente@demo.test", "José Ñúñez", None, False, ""),
]


def _user(email: str, full_name: str, kind: str, password: str) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "kind": kind}
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def load_demo(*, passwords: dict[str, str]) -> tuple[Practice, bool]:
    """Create (or reuse) the demo practice; each demo account gets the password given for its
    email, also on a second run (the previous ones cannot be shown again)."""
    practice, created = Practice.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Clínica Demo",
            "timezone": "Europe/Madrid",
            "address": "Calle Mayor 1, 28013 Madrid",
            "phone": "+34 910 000 000",
            "email": "hola@clinica-demo.test",
        },
    )
    for email, name, role, bookable, colour in DEMO_PEOPLE:
        kind = User.Kind.CLIENT if role is None else User.Kind.PROFESSIONAL
        user = _user(email, name, kind, passwords[email])
        if role is None:
            continue
        membership, _ = Membership.objects.get_or_create(
            user=user, practice=practice, defaults={"role": role}
        )
        if bookable:
            Professional.objects.get_or_create(
                membership=membership,
                defaults={"practice": practice, "display_name": name, "color": colour},
            )
    _load_scheduling(practice)
    return practice, created


DEMO_SERVICES = [
    # name, minutes, price, buffer after, colour
    ("Primera visita", 60, Decimal("60.00"), 10, "#1f6f78"),
    ("Sesión de fisioterapia", 45, Decimal("45.00"), 5, "#6f42c1"),
    ("Masaje deportivo", 30, Decimal("35.00"), 0, "#d63384"),
]


def _load_scheduling(practice: Practice) -> None:
    professionals = list(Professional.objects.filter(practice=practice))
    for name, minutes, price, after, colour in DEMO_SERVICES:
        service, _ = Service.objects.get_or_create(
            practice=practice,
            name=name,
            defaults={
                "duration_minutes": minutes,
                "price": price,
                "buffer_after_minutes": after,
                "color": colour,
            },
        )
        service.professionals.add(*professionals)
    if not WorkingHours.objects.filter(practice=practice, professional=None).exists():
        scheduling_services.working_hours_set(
            practice=practice,
            professional=None,
            ranges=STARTER_HOURS,
        )
    for professional in professionals:
        scheduling_services.working_hours_apply_default(professional=professional)
    policy_for(practice)
    scheduling_services.time_off_import_holidays(
        practice=practice, year=timezone.localdate().year, country="ES", subdivision="MD"
    )
    if not Appointment.objects.filter(practice=practice).exists():
        _demo_appointments(practice, professionals)


DEMO_HOURS_BOOKED = (10, 12, 16)  # one appointment per professional on each demo day


def _working_days(practice: Practice, first: date, *, step: int):
    """Weekdays from `first` onwards (step 1) or backwards (step -1) that are not time off."""
    tz = ZoneInfo(practice.timezone)
    day = first
    while True:
        noon = datetime.combine(day, time(12), tzinfo=tz)
        closed = TimeOff.objects.filter(
            practice=practice, professional=None, start__lte=noon, end__gt=noon
        ).exists()
        if day.weekday() < 5 and not closed:
            yield day
        day += timedelta(days=step)


def _demo_appointments(practice: Practice, professionals: list[Professional]) -> None:
    """Booked through the booking services, so that the demo has history and notification rows:
    two upcoming working days for every professional, and two past appointments (one completed,
    one no-show) for the client's history."""
    owner = Membership.objects.get(practice=practice, role=Role.OWNER).user
    client, _ = Client.objects.get_or_create(
        practice=practice,
        email="cliente@demo.test",
        defaults={"full_name": "José Ñúñez", "phone": "+34 600 000 000"},
    )
    service = Service.objects.get(practice=practice, name="Sesión de fisioterapia")
    tz = ZoneInfo(practice.timezone)
    today = timezone.localdate(timezone=tz)

    def book(day: date, hour: int, professional: Professional) -> Appointment:
        return booking_services.appointment_book(
            practice=practice,
            professional=professional,
            service=service,
            client=client,
            start=datetime.combine(day, time(hour), tzinfo=tz),
            by=owner,
            by_client=False,
            override_policy=True,
        )

    upcoming = _working_days(practice, today + timedelta(days=1), step=1)
    for day in (next(upcoming), next(upcoming)):
        for hour, professional in zip(DEMO_HOURS_BOOKED, professionals, strict=False):
            book(day, hour, professional)

    past = _working_days(practice, today - timedelta(days=1), step=-1)
    done, missed = next(past), next(past)
    booking_services.appointment_complete(appointment=book(done, 10, professionals[0]), by=owner)
    booking_services.appointment_mark_no_show(
        appointment=book(missed, 10, professionals[0]), by=owner
    )
    # The demo's people are made up: keep the rows for the notifications log, send none.
    notifications_cancel_pending(practice=practice, note=gettext("Demo data: not sent."))
