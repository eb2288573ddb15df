"""The staff and public privacy pages at a phone and a desktop width: nothing wider than the
screen, the consent buttons (SMS and marketing, recorded on the phone) work, the notice shows
its version's retention. Screenshots go to test-artifacts/ for a look."""

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
)
from citas.practices.models import Role
from citas.privacy.models import ConsentRecord, PrivacySettings
from citas.privacy.services import notice_publish

from .conftest import ARTIFACTS, _close, _page, log_in

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def setup():
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro", timezone="Europe/Madrid")
    PrivacySettings.objects.create(practice=practice, marketing_consent_offered=True)
    professional = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    service = ServiceFactory(practice=practice, name="Sesión", professionals=[professional])
    person = ClientFactory(
        practice=practice,
        full_name="Marta Ruiz",
        email="marta@example.com",
        phone="+34600111222",
        notes="Lesión de rodilla",
    )
    AppointmentFactory(
        professional=professional,
        service=service,
        client=person,
        start=timezone.now() - timedelta(days=20),
        status="completed",
    )
    owner = MembershipFactory(practice=practice, role=Role.OWNER)
    notice_publish(
        practice=practice,
        by=owner.user,
        controller_name="Fisio Centro S.L.",
        controller_email="privacidad@fisio.example",
        processors="Proveedor de correo electrónico con un nombre bastante largo S.L.",
    )
    return practice, person, owner


def _fits(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_privacy_pages_fit_and_record_phone_consents(live_server, browser, setup, width):
    practice, person, owner = setup
    page, base = _page(browser, WIDTHS[width]), live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name):
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"privacy-{name}-{width}.png"), full_page=True)

    page.goto(f"{base}/r/{practice.slug}/privacidad/")
    assert "5 años" in page.locator("main").inner_text()
    shot("notice")

    log_in(page, base, owner.user)
    page.goto(f"{base}/app/clientes/{person.pk}/")
    page.get_by_role("button", name="SMS: el cliente acepta (por teléfono)").click()
    page.get_by_text("Consentimiento registrado").wait_for()
    page.get_by_role("button", name="Novedades y ofertas: el cliente acepta (por teléfono)").click()
    page.get_by_role("button", name="Novedades y ofertas: retirar el consentimiento").wait_for()
    assert page.locator("#consents li").count() == 2
    shot("client")
    assert set(ConsentRecord.objects.values_list("purpose", "granted", "channel")) == {
        ("sms", True, "staff"),
        ("marketing", True, "staff"),
    }

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportar datos").click()
    assert download_info.value.suggested_filename.endswith(".zip")

    page.goto(f"{base}/app/clientes/{person.pk}/suprimir/")
    shot("erase")
    page.goto(f"{base}/app/privacidad/registro/")
    assert "Marta Ruiz" in page.locator("main").inner_text()
    shot("audit")
    page.goto(f"{base}/app/privacidad/")
    shot("overview")
    _close(page)
