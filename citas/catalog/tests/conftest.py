import pytest

from citas.core.factories import MembershipFactory, ProfessionalFactory
from citas.practices.models import Role


@pytest.fixture
def owner(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def stranger_client(client, db):
    """Logged in as the owner of another practice."""
    other = MembershipFactory(role=Role.OWNER)
    ProfessionalFactory(practice=other.practice)
    client.force_login(other.user)
    return client
