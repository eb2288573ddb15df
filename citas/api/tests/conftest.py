from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.core.factories import (
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    UserFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role

MADRID = ZoneInfo("Europe/Madrid")


class Clinic:
    """A bookable practice: one professional working 09:00–18:00 every day, one service."""

    def __init__(self, role=Role.OWNER):
        self.membership = MembershipFactory(role=role)
        self.practice = self.membership.practice
        self.user = self.membership.user
        self.professional = ProfessionalFactory(practice=self.practice)
        for weekday in range(7):
            WorkingHoursFactory(
                professional=self.professional,
                weekday=weekday,
                start_time=time(9),
                end_time=time(18),
            )
        self.service = ServiceFactory(practice=self.practice, professionals=[self.professional])
        self.client_record = ClientFactory(practice=self.practice)
        self.token = self.token_for(self.user)

    def api(self, token: str | None = None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or self.token}")
        return client

    def colleague(self):
        """Another professional of the practice, with the same hours, offering the service."""
        other = ProfessionalFactory(practice=self.practice)
        for weekday in range(7):
            WorkingHoursFactory(
                professional=other, weekday=weekday, start_time=time(9), end_time=time(18)
            )
        self.service.professionals.add(other)
        return other

    def member(self, role: Role) -> str:
        """A token of a new member of this practice with `role`."""
        user = MembershipFactory(practice=self.practice, role=role).user
        return self.token_for(user)

    def token_for(self, user, *, scopes=None, practice="this") -> str:
        practice = self.practice if practice == "this" else practice
        return api_token_create(
            user=user, practice=practice, name="CI", scopes=scopes or every_scope()
        )[1]


def free_start(days: int = 3, hour: int = 10) -> datetime:
    """A start inside working hours, past the minimum notice and within the horizon."""
    day = timezone.now().astimezone(MADRID).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=MADRID)


@pytest.fixture
def clinic(db):
    return Clinic()


@pytest.fixture
def other_clinic(db):
    return Clinic()


@pytest.fixture
def client_account(db):
    """A person with an account and no membership: a client."""
    return UserFactory()


@pytest.fixture
def anonymous():
    return APIClient()
