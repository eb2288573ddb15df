"""The demo practice that `make run` loads. Idempotent: running it again changes nothing."""

from allauth.account.models import EmailAddress
from django.db import transaction

from citas.accounts.models import User
from citas.practices.models import Membership, Practice, Professional, Role

DEMO_PASSWORD = "demo-citas-2026"  # noqa: S105 — printed to the operator on purpose
DEMO_SLUG = "clinica-demo"

DEMO_PEOPLE = [
    # email, full name, role in the practice (None: a client account), bookable, colour
    ("ana@demo.test", "Ana García", Role.OWNER, True, "#1f6f78"),
    ("luis@demo.test", "Luis Martín", Role.PROFESSIONAL, True, "#6f42c1"),
    ("marta@demo.test", "Marta Ruiz", Role.PROFESSIONAL, True, "#d63384"),
    ("recepcion@demo.test", "Carmen López", Role.RECEPTION, False, ""),
    ("cliente@demo.test", "José Ñúñez", None, False, ""),
]


def _user(email: str, full_name: str, kind: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "kind": kind}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def load_demo() -> tuple[Practice, bool]:
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
        user = _user(email, name, kind)
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
    return practice, created
