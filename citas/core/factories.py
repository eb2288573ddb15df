"""factory-boy factories shared by every app's tests."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt

from citas.accounts.models import User
from citas.practices.models import Membership, Practice, Professional, Role

DEFAULT_PASSWORD = "Una-clave-segura-2026"  # noqa: S105 — test data
MADRID = ZoneInfo("Europe/Madrid")


# The other practice's person in tenancy tests: a fixed name, so that a random one
# ("Ana ...") can never look like the data the test checks is hidden.
STRANGER_NAME = "Zacarías Otero"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@example.com")
    full_name = factory.Faker("name", locale="es_ES")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Consulta {n}")
    slug = factory.Sequence(lambda n: f"consulta-{n}")
    timezone = "Europe/Madrid"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.OWNER

    @factory.post_generation
    def two_factor(obj, create, extracted, **kwargs):
        """Members whose practice requires two-step verification have it set up, unless a test
        says otherwise (`two_factor=False`; `True` sets it up for any member)."""
        if create and (extracted or (extracted is None and obj.needs_two_factor)):
            enable_two_factor(obj.user)


def enable_two_factor(user) -> str:
    """Activate TOTP for the user; returns the secret (to compute codes in browser tests)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    practice = factory.SubFactory(PracticeFactory)
    display_name = factory.Faker("name", locale="es_ES")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Service"
        skip_postgeneration_save = True

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Sesión {n}")
    duration_minutes = 30
    price = Decimal("40.00")

    @factory.post_generation
    def professionals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.professionals.set(extracted)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.WorkingHours"

    professional = factory.SubFactory(ProfessionalFactory)
    practice = factory.SelfAttribute("professional.practice")
    weekday = 0
    start_time = time(9)
    end_time = time(14)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.TimeOff"

    practice = factory.SubFactory(PracticeFactory)
    professional = None
    start = factory.LazyFunction(lambda: datetime(2026, 12, 24, tzinfo=MADRID))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(days=1))
    all_day = True
    reason = "vacaciones"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "booking.Client"

    practice = factory.SubFactory(PracticeFactory)
    full_name = factory.Faker("name", locale="es_ES")
    email = factory.Sequence(lambda n: f"cliente{n}@example.com")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Blocked range = start/end widened by the service's buffers, as the booking service does."""

    class Meta:
        model = "booking.Appointment"

    professional = factory.SubFactory(ProfessionalFactory)
    practice = factory.SelfAttribute("professional.practice")
    service = factory.SubFactory(ServiceFactory, practice=factory.SelfAttribute("..practice"))
    client = factory.SubFactory(ClientFactory, practice=factory.SelfAttribute("..practice"))
    start = factory.LazyFunction(lambda: datetime(2026, 12, 1, 10, tzinfo=MADRID))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.service.duration_minutes))
    blocked_start = factory.LazyAttribute(
        lambda o: o.start - timedelta(minutes=o.service.buffer_before_minutes)
    )
    blocked_end = factory.LazyAttribute(
        lambda o: o.end + timedelta(minutes=o.service.buffer_after_minutes)
    )
    price = factory.SelfAttribute("service.price")
    status = "confirmed"
