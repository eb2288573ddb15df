"""axe-core (vendored in static/vendor/axe-core) on every page of the journeys: a phone and a
desktop, Spanish and English. The target is zero violations, whatever their impact."""

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from citas.booking.forms import format_start
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role
from citas.scheduling.selectors import availability_for, policy_for

from .conftest import ARTIFACTS, DESKTOP, PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}"""


@pytest.fixture
def journeys():
    owner = MembershipFactory(role=Role.OWNER)
    practice = owner.practice
    practice.name, practice.phone = "Fisio Centro", "+34 910 000 000"
    practice.save()
    lucia = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    for weekday in range(7):
        WorkingHoursFactory(professional=lucia, weekday=weekday, end_time=time(19))
    service = ServiceFactory(practice=practice, name="Fisioterapia", professionals=[lucia])
    policy = policy_for(practice)
    policy.min_notice_minutes = 0
    policy.save()
    day = timezone.localdate(timezone=MADRID) + timedelta(days=2)
    client = ClientFactory(practice=practice, full_name="Ana López")
    booked = AppointmentFactory(
        professional=lucia,
        service=service,
        client=client,
        start=datetime.combine(day, time(10), tzinfo=MADRID),
    )
    cancelled = AppointmentFactory(
        professional=lucia,
        service=service,
        client=client,
        start=datetime.combine(day, time(12), tzinfo=MADRID),
        status="cancelled",
    )
    free = availability_for(
        practice=practice,
        service=service,
        professionals=[lucia],
        first_day=day,
        last_day=day,
        now=timezone.now(),
    )["any"][day][0][0]
    step = f"/r/{practice.slug}/?service={service.pk}&professional=any"
    public = [
        f"/r/{practice.slug}/",
        f"/r/{practice.slug}/?service={service.pk}",
        step,
        f"{step}&day={day:%Y-%m-%d}",
        f"{step}&day={day:%Y-%m-%d}&start={format_start(free)}",
        f"/r/{practice.slug}/reserva/{booked.token}/",
        f"/cita/{booked.token}/",
        f"/cita/{booked.token}/?cambiar=1&day={day:%Y-%m-%d}",
        f"/cita/{cancelled.token}/",
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    staff = [
        "/app/",
        "/app/agenda/",
        "/app/citas/",
        f"/app/citas/{booked.pk}/",
        "/app/clientes/",
        f"/app/clientes/{client.pk}/",
        "/app/servicios/",
        f"/app/servicios/{service.pk}/",
        "/app/agenda/horario/",
        "/app/agenda/ausencias/",
        "/app/agenda/ausencias/festivos/",
        "/app/agenda/reservas/",
        "/app/equipo/",
        "/app/ajustes/",
        "/app/notificaciones/",
        "/cuenta/perfil/",
    ]
    return owner.user, public, staff, day


def _axe(page) -> list[dict]:
    page.evaluate(AXE.read_text())
    return page.evaluate(RUN_AXE)


def _log_in(page, base, user):
    log_in(page, base, user)


def _agenda_views(page) -> dict[str, list[dict]]:
    """The agenda in each of its views (the toolbar's buttons)."""
    found = {}
    for view in ("timeGridDay", "timeGridWeek", "resourceTimeGridDay", "dayGridMonth"):
        page.evaluate(f"window.agendaCalendar.setOption('view', '{view}')")
        page.wait_for_timeout(300)
        found[f"/app/agenda/ ({view})"] = _axe(page)
    return found


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_page_of_the_journeys_has_no_accessibility_violations(
    live_server, browser, journeys, viewport, language
):
    user, public, staff, day = journeys
    context = browser.new_context(
        viewport=PHONE if viewport == "phone" else DESKTOP,
        locale="es-ES" if language == "es" else "en-GB",
        timezone_id="Europe/Madrid",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    user.language = language
    user.save()
    report: dict[str, list[dict]] = {}
    try:
        for path in public:
            page.goto(live_server.url + path)
            report[path] = _axe(page)
        _log_in(page, live_server.url, user)
        for path in staff:
            page.goto(live_server.url + path)
            report[path] = _axe(page)
            if path == "/app/agenda/":
                page.evaluate(f"window.agendaCalendar.setOption('date', new Date('{day}'))")
                page.locator(".ec-event").first.wait_for()
                report.update(_agenda_views(page))
    finally:
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{viewport}-{language}.json").write_text(json.dumps(report, indent=1))
    violations = {path: found for path, found in report.items() if found}
    assert violations == {}, json.dumps(violations, indent=1, ensure_ascii=False)
