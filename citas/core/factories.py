"""factory-boy factories shared by every app's tests."""

import factory
from allauth.account.models import EmailAddress

from citas.accounts.models import User
from citas.practices.models import Membership, Practice, Professional, Role

DEFAULT_PASSWORD = "Una-clave-segura-2026"  # noqa: S105 — test data


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

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.OWNER


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    practice = factory.SubFactory(PracticeFactory)
    display_name = factory.Faker("name", locale="es_ES")
