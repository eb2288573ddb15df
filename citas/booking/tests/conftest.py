from datetime import time

import pytest
import time_machine

from citas.core.factories import ProfessionalFactory, ServiceFactory, WorkingHoursFactory

from .helpers import Setup, bookable_practice


@pytest.fixture
def frozen_clock(request):
    """Time stands still at the module's NOW (the tests check exact times and windows); a
    module asks for it with `pytest.mark.usefixtures("frozen_clock")`. Yields the traveller,
    for the tests that move the clock."""
    with time_machine.travel(request.module.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def s(db) -> Setup:
    return bookable_practice()


@pytest.fixture
def member_client(client, member):
    """Logged in as the module's `member`."""
    client.force_login(member.user)
    return client


@pytest.fixture
def professional(member):
    """A professional of the module's `member`'s practice, open weekdays until 14:00."""
    professional = ProfessionalFactory(practice=member.practice)
    for weekday in range(5):
        WorkingHoursFactory(professional=professional, weekday=weekday, end_time=time(14))
    return professional


@pytest.fixture
def service(professional):
    return ServiceFactory(practice=professional.practice, professionals=[professional])
