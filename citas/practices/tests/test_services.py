from datetime import time

import pytest

from citas.core.factories import MembershipFactory, UserFactory, WorkingHoursFactory
from citas.practices.models import Professional, Role
from citas.practices.services import (
    invitation_accept,
    invitation_create,
    membership_change_role,
    practice_create,
)
from citas.scheduling.models import WorkingHours

pytestmark = pytest.mark.django_db


def _hours(professional) -> list[tuple[int, time, time]]:
    return list(
        WorkingHours.objects.filter(professional=professional).values_list(
            "weekday", "start_time", "end_time"
        )
    )


def _template(practice) -> list[tuple[int, time, time]]:
    return list(
        WorkingHours.objects.filter(practice=practice, professional=None).values_list(
            "weekday", "start_time", "end_time"
        )
    )


def _with_template(practice):
    """A practice template of Monday 08:00–12:00 and Saturday 10:00–13:00."""
    WorkingHoursFactory(practice=practice, professional=None, weekday=0, end_time=time(12))
    WorkingHoursFactory(
        practice=practice,
        professional=None,
        weekday=5,
        start_time=time(10),
        end_time=time(13),
    )
    WorkingHours.objects.filter(practice=practice, weekday=0).update(start_time=time(8))


def test_a_new_practice_gets_a_weekday_template_and_its_owner_works_it():
    practice = practice_create(owner=UserFactory(), name="Fisio Sol", timezone_name="Europe/Madrid")

    owner = Professional.objects.get(practice=practice)
    expected = [
        (day, start, end)
        for day in range(5)
        for start, end in [(time(9), time(14)), (time(15), time(19))]
    ]
    assert _template(practice) == expected
    assert _hours(owner) == expected


def test_a_practice_whose_owner_does_not_book_gets_no_hours():
    practice = practice_create(
        owner=UserFactory(),
        name="Gestoría",
        timezone_name="Europe/Madrid",
        owner_is_bookable=False,
    )

    assert not WorkingHours.objects.filter(practice=practice).exists()


def test_an_invited_professional_starts_from_the_practice_template():
    owner = MembershipFactory(role=Role.OWNER)
    _with_template(owner.practice)
    user = UserFactory()
    invitation = invitation_create(
        practice=owner.practice, email=user.email, role=Role.PROFESSIONAL, by=owner.user
    )

    invitation_accept(invitation=invitation, user=user)

    professional = Professional.objects.get(membership__user=user)
    assert _hours(professional) == [(0, time(8), time(12)), (5, time(10), time(13))]


def test_an_invited_receptionist_gets_no_hours():
    owner = MembershipFactory(role=Role.OWNER)
    _with_template(owner.practice)
    user = UserFactory()
    invitation = invitation_create(
        practice=owner.practice, email=user.email, role=Role.RECEPTION, by=owner.user
    )

    invitation_accept(invitation=invitation, user=user)

    assert not Professional.objects.filter(membership__user=user).exists()
    assert WorkingHours.objects.filter(practice=owner.practice).count() == 2


def test_a_receptionist_made_professional_starts_from_the_practice_template():
    owner = MembershipFactory(role=Role.OWNER)
    _with_template(owner.practice)
    reception = MembershipFactory(practice=owner.practice, role=Role.RECEPTION)

    membership_change_role(membership=reception, role=Role.PROFESSIONAL, by=owner)

    professional = Professional.objects.get(membership=reception)
    assert _hours(professional) == [(0, time(8), time(12)), (5, time(10), time(13))]


def test_a_returning_professional_keeps_the_hours_already_set():
    owner = MembershipFactory(role=Role.OWNER)
    _with_template(owner.practice)
    member = MembershipFactory(practice=owner.practice, role=Role.PROFESSIONAL)
    professional = Professional.objects.create(
        practice=owner.practice, membership=member, display_name="Luis"
    )
    WorkingHoursFactory(professional=professional, weekday=2)
    membership_change_role(membership=member, role=Role.RECEPTION, by=owner)

    membership_change_role(membership=member, role=Role.PROFESSIONAL, by=owner)

    assert _hours(professional) == [(2, time(9), time(14))]
