import pytest

from .helpers import Setup, bookable_practice


@pytest.fixture
def s(db) -> Setup:
    return bookable_practice()


@pytest.fixture
def member_client(client, member):
    """Logged in as the module's `member`."""
    client.force_login(member.user)
    return client
