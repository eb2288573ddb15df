"""Claiming a freed time under real concurrency: twenty people were offered one time and
all press "Book this time" at once. One gets it; the others are told and stay on the list."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from citas.booking.models import Appointment, WaitlistEntry
from citas.booking.services import appointment_book
from citas.booking.waitlist import OfferTaken, waitlist_claim, waitlist_expire_offers
from citas.notifications.models import Notification, NotificationKind
from citas.scheduling.selectors import policy_for

from .helpers import bookable_practice
from .test_concurrency import THREADS, database_file_for_threads, race  # noqa: F401
from .waitlist_helpers import waiting

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)
THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)


def offered(s, n: int) -> list[WaitlistEntry]:
    entries = [waiting(s, first_day=date(2026, 12, 3)) for _ in range(n)]
    WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status="offered",
        offered_start=THURSDAY_TEN,
        offered_professional=s.professional,
        offer_expires_at=NOW + timedelta(hours=2),
    )
    return entries


def claim(entry):
    try:
        return waitlist_claim(entry=entry, now=NOW)
    except OfferTaken:
        return "taken"


def test_twenty_claimers_of_one_time_make_one_booking(db):
    s = bookable_practice()
    entries = offered(s, THREADS)

    results = race(lambda i: claim(entries[i]))

    assert results.count("taken") == THREADS - 1
    assert len([r for r in results if isinstance(r, Appointment)]) == 1
    assert Appointment.objects.active().filter(professional=s.professional).count() == 1
    statuses = sorted(WaitlistEntry.objects.values_list("status", flat=True))
    assert statuses == ["booked"] + ["waiting"] * (THREADS - 1)


def test_claimers_racing_a_public_booking_never_overlap(db):
    s = bookable_practice()
    entries = offered(s, THREADS - 1)

    def act(i):
        if i == THREADS - 1:
            return appointment_book(
                practice=s.practice,
                professional=s.professional,
                service=s.service,
                client=s.client,
                start=THURSDAY_TEN,
                by_client=True,
                now=NOW,
            )
        return claim(entries[i])

    race(act)

    assert Appointment.objects.active().filter(professional=s.professional).count() == 1
    booked = WaitlistEntry.objects.filter(status="booked").count()
    assert booked <= 1
    assert WaitlistEntry.objects.filter(status="waiting").count() == THREADS - 1 - booked


def test_an_expired_offer_run_by_many_workers_at_once_is_offered_on_once(db):
    s = bookable_practice()
    policy = policy_for(s.practice)
    policy.waitlist_offers_per_slot = 1
    policy.save()
    expired, *others = [waiting(s, first_day=date(2026, 12, 3)) for _ in range(3)]
    WaitlistEntry.objects.filter(pk=expired.pk).update(
        status="offered",
        offered_start=THURSDAY_TEN,
        offered_professional=s.professional,
        offer_expires_at=NOW,
    )

    results = race(lambda i: waitlist_expire_offers(now=NOW))

    assert sum(len(reoffered) for reoffered in results) == 1
    offers = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)
    assert list(offers.values_list("recipient", flat=True)) == [others[0].email]
    statuses = dict(WaitlistEntry.objects.values_list("pk", "status"))
    assert statuses == {expired.pk: "waiting", others[0].pk: "offered", others[1].pk: "waiting"}
