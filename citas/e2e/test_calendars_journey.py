"""Issue 17's settings page in a real browser: a professional's external calendars (an iCal
address read from a loopback server, one that timed out) and a CalDAV account, on a phone and
on a laptop: readable, no sideways scrolling, no CSP violation."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from citas.calendars.models import CalDAVAccount, ExternalCalendar, SyncProblem
from citas.calendars.secrets import encrypt
from citas.calendars.services import external_calendar_sync
from citas.calendars.tests.ics_samples import GOOGLE, as_bytes
from citas.calendars.tests.server import CalendarServer
from citas.core.factories import MembershipFactory, PracticeFactory, ProfessionalFactory
from citas.practices.models import Role

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True  # the feed server is plain http on loopback
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro", timezone="Europe/Madrid")
    professional = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    with CalendarServer() as server:
        server.serve("/personal.ics", as_bytes(GOOGLE))
        feed = ExternalCalendar.objects.create(
            practice=practice,
            professional=professional,
            name="Personal (Google)",
            url=f"{server.base}/personal.ics",
        )
        external_calendar_sync(calendar=feed, now=timezone.now())
    ExternalCalendar.objects.create(
        practice=practice,
        professional=professional,
        name="Colegio (Outlook)",
        url="https://outlook.example.com/owa/calendar/k7Qz9-private-token/calendar.ics",
        problem=SyncProblem.TIMEOUT,
        checked_at=timezone.now(),
    )
    ExternalCalendar.objects.create(  # a worker is reading it right now
        practice=practice,
        professional=professional,
        name="Juzgado (iCloud)",
        url="https://p42-caldav.icloud.com/published/2/private-token",
        synced_at=timezone.now() - timedelta(minutes=12),
        checked_at=timezone.now() - timedelta(minutes=12),
        busy_count=3,
        sync_lease_id=uuid.uuid4(),
        sync_lease_until=timezone.now() + timedelta(minutes=5),
    )
    url = "https://caldav.example.com/dav/lucia/"
    CalDAVAccount.objects.create(
        practice=practice,
        professional=professional,
        url=url,
        username="lucia",
        secret=encrypt("app-password"),
        calendars_found=[
            {"name": "Trabajo", "url": f"{url}trabajo/"},
            {"name": "Familia y extraescolares", "url": f"{url}familia/"},
        ],
        write_calendar_url=f"{url}trabajo/",
    )
    return MembershipFactory(practice=practice, role=Role.OWNER).user


@pytest.mark.parametrize(
    ("viewport", "name"),
    [({"width": 390, "height": 844}, "phone"), ({"width": 1366, "height": 900}, "laptop")],
)
def test_the_calendar_settings_page_reads_well_on_a_phone_and_a_laptop(
    live_server, browser, owner, viewport, name
):
    from .conftest import _close, _page

    page, base = _page(browser, viewport), live_server.url
    page.set_default_navigation_timeout(30_000)  # a shared, loaded machine
    try:
        log_in(page, base, owner)
        page.goto(f"{base}/app/calendarios/")
        main = page.locator("main")
        page.get_by_role("heading", name="Calendarios externos").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"calendars-settings-{name}.png"), full_page=True)
        text = main.inner_text()
        assert "Personal (Google)" in text and "Colegio (Outlook)" in text
        # When each was read, and why the timed-out one was not, in Spanish.
        assert "Última lectura:" in text and "periodos ocupados" in text
        assert "El servidor del calendario ha tardado demasiado en responder." in text
        assert "Último intento:" in text and "Mientras no se lea, no bloquea ninguna hora." in text
        assert "Leyendo ahora…" in text
        assert "k7Qz9-private-token" not in page.content()  # only the host is shown
        assert "app-password" not in page.content()
        assert "Familia y extraescolares" in text  # the CalDAV account's calendars
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling"
    finally:
        _close(page)
