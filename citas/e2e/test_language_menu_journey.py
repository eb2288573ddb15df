from decimal import Decimal

import pytest

from citas.e2e.conftest import practice_open_every_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def practice():
    return practice_open_every_day(
        "Fisio Centre",
        "fisio-centre",
        "Jordi Puig",
        name="Sessió de fisioteràpia",
        duration_minutes=45,
        price=Decimal("1234.50"),
    )


def test_a_client_chooses_catala_from_the_language_menu_on_the_booking_page(
    live_server, desktop_page, practice
):
    page = desktop_page
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("heading", name="Elige un servicio").wait_for()

    page.get_by_label("Idioma").select_option(label="Català")

    page.get_by_role("heading", name="Tria un servei").wait_for()
    assert page.locator("html").get_attribute("lang") == "ca"
    assert page.get_by_label("Idioma").input_value() == "ca"
    service = page.get_by_role("link", name="Sessió de fisioteràpia")
    assert "45 min" in service.inner_text()
    assert "1.234,50 €" in service.inner_text()  # Catalan groups thousands with a dot

    # The choice sticks: the next page of the flow is in Catalan too.
    service.click()
    page.get_by_text("Amb qui vols la cita?").wait_for()
