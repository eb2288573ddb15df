"""The audit log on a phone (390 px): one card per entry, nothing scrolls sideways (neither
the page nor a table inside it), every column's content still shown."""

import pytest

from citas.core.factories import ClientFactory, MembershipFactory, PracticeFactory, UserFactory
from citas.practices.models import Role
from citas.privacy.models import AuditAction
from citas.privacy.services import audit_record

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SIDEWAYS_SCROLLERS = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
  .map((el) => `${el.tagName}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`)"""


def test_the_audit_log_reads_on_a_phone_without_sideways_scrolling(live_server, phone_page):
    practice = PracticeFactory(name="Fisio Centro", slug="fisio-centro")
    owner = MembershipFactory(
        practice=practice,
        role=Role.OWNER,
        user=UserFactory(email="responsable.de.proteccion.de.datos@fisio-centro-largo.example"),
    )
    person = ClientFactory(practice=practice, full_name="María de los Ángeles Fernández-Villaverde")
    for action in (AuditAction.CLIENT_VIEWED, AuditAction.CLIENT_EXPORTED):
        entry = audit_record(practice=practice, actor=owner.user, action=action, obj=person)
        entry.ip = "2001:db8:85a3:1234:5678:8a2e:370:7334"
        entry.save(update_fields=["ip"])
    base = live_server.url

    log_in(phone_page, base, owner.user)
    phone_page.goto(f"{base}/app/privacidad/registro/")

    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page is wider than the phone"
    )
    assert phone_page.evaluate(SIDEWAYS_SCROLLERS) == []
    cards = phone_page.locator("[data-audit-cards] li")
    assert cards.count() == 2
    first = cards.first.inner_text()
    assert "Fernández-Villaverde" in first and "2001:db8:85a3" in first
    assert "responsable.de.proteccion" in first
