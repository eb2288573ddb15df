"""The dashboard's "por cerrar" list on a phone and a desktop: it fits, and opens the
appointment to close."""

from datetime import timedelta

import pytest
from django.utils import timezone

from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
)
from citas.practices.models import Role

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_owner_opens_an_appointment_to_close_from_the_dashboard(live_server, request, size):
    page = request.getfixturevalue(f"{size}_page")
    owner = MembershipFactory(role=Role.OWNER)
    professional = ProfessionalFactory(practice=owner.practice, display_name="Luis Gil")
    yesterday = timezone.now() - timedelta(days=1)
    for n, name in enumerate(["Marta Ruiz Sánchez de la Fuente", "Pedro Gómez"]):
        AppointmentFactory(
            professional=professional,
            client=ClientFactory(practice=owner.practice, full_name=name),
            start=yesterday + timedelta(hours=n),
        )

    log_in(page, live_server.url, owner.user)

    section = page.locator("#to-close")
    section.get_by_role("heading", name="Por cerrar").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / f"dashboard-to-close-{size}.png"))
    section.get_by_role("link", name="Pedro Gómez").click()
    page.get_by_text("Pedro Gómez").first.wait_for()
    assert "/app/citas/" in page.url
