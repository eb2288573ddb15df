"""The dashboard's "por cerrar" list: ended appointments still pending or confirmed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from citas.core.factories import (
    STRANGER_NAME,
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
)
from citas.practices.models import Role
from citas.practices.views import TO_CLOSE_SHOWN

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 3, 12, tzinfo=MADRID)
DASHBOARD = reverse("practices:dashboard")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _appointment(professional, name: str, start: datetime, status="confirmed"):
    client = ClientFactory(practice=professional.practice, full_name=name)
    return AppointmentFactory(professional=professional, client=client, start=start, status=status)


def _section(response) -> str:
    html = response.content.decode()
    return html[html.index('id="to-close"') :] if 'id="to-close"' in html else ""


def test_the_dashboard_lists_ended_open_appointments_to_close(client):
    owner = MembershipFactory(role=Role.OWNER)
    professional = ProfessionalFactory(practice=owner.practice)
    yesterday = NOW - timedelta(days=1)
    _appointment(professional, "Pendiente Pasada", yesterday, status="pending")
    _appointment(professional, "Confirmada Pasada", yesterday + timedelta(hours=1))
    _appointment(professional, "Ya Atendida", yesterday, status="completed")
    _appointment(professional, "Cita Futura", NOW + timedelta(days=1))
    stranger = ProfessionalFactory()
    _appointment(stranger, STRANGER_NAME, yesterday)
    client.force_login(owner.user)

    section = _section(client.get(DASHBOARD))

    assert "Por cerrar" in section
    assert "Pendiente Pasada" in section
    assert "Confirmada Pasada" in section
    assert "02/12/2026 12:00" in section  # the practice's wall clock
    assert "Ya Atendida" not in section
    assert "Cita Futura" not in section
    assert STRANGER_NAME not in section


def test_a_professional_sees_only_their_own_appointments_to_close(client):
    membership = MembershipFactory(role=Role.PROFESSIONAL)
    own = ProfessionalFactory(practice=membership.practice, membership=membership)
    colleague = ProfessionalFactory(practice=membership.practice)
    _appointment(own, "Cliente Propio", NOW - timedelta(days=1))
    _appointment(colleague, "Cliente Ajeno", NOW - timedelta(days=1))
    client.force_login(membership.user)

    section = _section(client.get(DASHBOARD))

    assert "Cliente Propio" in section
    assert "Cliente Ajeno" not in section


def test_the_list_shows_the_oldest_and_links_to_the_rest(client):
    owner = MembershipFactory(role=Role.OWNER)
    professional = ProfessionalFactory(practice=owner.practice)
    for day in range(TO_CLOSE_SHOWN + 2):
        _appointment(professional, f"Cliente {day:02d}", NOW - timedelta(days=30 - day))
    client.force_login(owner.user)

    section = _section(client.get(DASHBOARD))

    assert "Cliente 00" in section
    assert f"Cliente {TO_CLOSE_SHOWN - 1:02d}" in section
    assert f"Cliente {TO_CLOSE_SHOWN:02d}" not in section
    assert "tab=past&amp;status=confirmed" in section


def test_nothing_to_close_shows_no_section(client):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)

    assert _section(client.get(DASHBOARD)) == ""
