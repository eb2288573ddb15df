"""Reception manages the waiting list on a phone: the entries fit the screen, "Enlace nuevo"
replaces a forwarded link (the old one stops working) and "Quitar" takes an entry off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import WaitlistEntry
from citas.core.factories import MembershipFactory, ServiceFactory
from citas.practices.models import Role

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_reception_renews_a_link_and_removes_an_entry_on_a_phone(live_server, phone_page):
    page = phone_page
    reception = MembershipFactory(role=Role.RECEPTION)
    practice = reception.practice
    service = ServiceFactory(practice=practice, name="Fisioterapia deportiva")
    today = timezone.localdate()
    entries = [
        WaitlistEntry.objects.create(
            practice=practice,
            service=service,
            full_name=name,
            email=email,
            phone="+34 600 000 000",
            first_day=today + timedelta(days=1),
            last_day=today + timedelta(days=14),
        )
        for name, email in [
            ("María de los Ángeles Fernández-Villaverde", "maria.angeles.fernandez@example.com"),
            ("Pablo Ruiz", "pablo@example.com"),
        ]
    ]
    old = entries[0].token
    log_in(page, live_server.url, reception.user)

    page.goto(f"{live_server.url}{reverse('booking_staff:waitlist')}")
    first = page.locator(f"[data-waitlist-entry='{entries[0].pk}']")
    first.get_by_text("María de los Ángeles").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "waitlist-staff-phone.png"), full_page=True)

    first.get_by_role("button", name="Enlace nuevo").click()
    page.locator(".alert-success").wait_for()
    entries[0].refresh_from_db()
    assert entries[0].token != old
    assert entries[0].token in page.locator(".alert-success").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    old_url = reverse("public_booking:waitlist_offer", args=[practice.slug, old])
    assert page.goto(f"{live_server.url}{old_url}").status == 404

    page.goto(f"{live_server.url}{reverse('booking_staff:waitlist')}")
    second = page.locator(f"[data-waitlist-entry='{entries[1].pk}']")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    second.get_by_role("button", name="Quitar").click()
    page.locator(f"[data-waitlist-entry='{entries[1].pk}']").wait_for(state="detached")
    assert asked == ["¿Quitar a Pablo Ruiz de la lista de espera?"]
    assert WaitlistEntry.objects.get(pk=entries[1].pk).status != "waiting"
