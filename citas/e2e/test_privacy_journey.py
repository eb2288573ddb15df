"""Issue 11's journey on a phone: a client signs in, opens "Mis citas", downloads their data
from one practice and asks it to erase them; the owner sees the request with its deadline and
erases the record, which then disappears from the client list."""

import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    UserFactory,
)
from citas.practices.models import Role
from citas.privacy.models import ErasureRequest

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def practice():
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro", timezone="Europe/Madrid")
    professional = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    service = ServiceFactory(practice=practice, name="Sesión", professionals=[professional])
    client = ClientFactory(practice=practice, full_name="Marta Ruiz", email="marta@example.com")
    AppointmentFactory(
        professional=professional,
        service=service,
        client=client,
        start=timezone.now() - timedelta(days=20),
        status="completed",
    )
    return practice


def test_a_client_downloads_and_asks_to_erase_their_data_on_a_phone(
    live_server, phone_page, practice
):
    marta = UserFactory(email="marta@example.com", verified=True)
    page, base = phone_page, live_server.url
    log_in(page, base, marta, "/mis-citas/")

    page.goto(f"{base}/mis-citas/")
    section = page.locator("[data-practice=fisio-centro]")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Descargar mis datos").click()
    archive = zipfile.ZipFile(download_info.value.path())
    data = json.loads(archive.read("datos.json"))
    assert data["profile"]["full_name"] == "Marta Ruiz"
    assert len(data["appointments"]) == 1

    section.get_by_role("button", name="Pedir que supriman mis datos").click()
    page.get_by_text("Solicitud enviada").wait_for()
    assert "la consulta responde antes del" in section.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "privacy-mis-citas-phone.png"), full_page=True)
    assert ErasureRequest.objects.filter(confirmed_at__isnull=True).count() == 1

    # The owner sees the request and erases the record.
    page.context.clear_cookies()
    owner = MembershipFactory(practice=practice, role=Role.OWNER)
    log_in(page, base, owner.user)
    page.goto(f"{base}/app/privacidad/")
    page.get_by_role("link", name="Revisar y suprimir").click()
    page.get_by_role("button", name="Suprimir (bloquear) los datos").click()
    page.wait_for_url(f"{base}/app/clientes/")
    assert "Marta Ruiz" not in page.locator("main").inner_text()
