"""The waiting list's services: who is offered a freed time, the claim, leaving."""

from datetime import date, time, timedelta

import pytest

from citas.booking.attendance import appointment_release
from citas.booking.models import PartOfDay, WaitlistEntry, WaitlistStatus
from citas.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_reject,
    appointment_reschedule,
)
from citas.booking.waitlist import (
    OfferTaken,
    fits_part_of_day,
    waitlist_claim,
    waitlist_expire_offers,
    waitlist_join,
    waitlist_leave,
)
from citas.core.errors import ServiceError
from citas.core.factories import ProfessionalFactory, ServiceFactory
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import render_notification

from .helpers import bookable_practice
from .waitlist_helpers import NOW, THURSDAY, THURSDAY_TEN, free, offered_entry, waiting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

OFFER_VALID = timedelta(hours=2)  # the practice's default


@pytest.fixture
def s(db):
    return bookable_practice(
        confirmation_request_hours=48, release_unconfirmed_hours=24, cancellation_window_hours=24
    )


def book(s, start=THURSDAY_TEN):
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=start,
        by_client=False,
    )


def offers():
    return Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)


def status_of(entry):
    entry.refresh_from_db()
    return entry.status


def test_a_cancellation_offers_the_time_to_the_first_three_in_order(
    s, django_capture_on_commit_callbacks
):
    appointment = book(s)
    entries = [waiting(s, first_day=THURSDAY) for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, by_client=False)

    assert [status_of(e) for e in entries] == ["offered"] * 3 + ["waiting"] * 2
    assert sorted(offers().values_list("recipient", flat=True)) == sorted(
        e.email for e in entries[:3]
    )
    first = WaitlistEntry.objects.get(pk=entries[0].pk)
    assert first.offered_start == THURSDAY_TEN
    assert first.offered_professional == s.professional
    assert first.offer_expires_at == NOW + OFFER_VALID


def test_only_entries_that_fit_the_freed_time_are_offered(s, django_capture_on_commit_callbacks):
    appointment = book(s)
    other_service = ServiceFactory(practice=s.practice, professionals=[ProfessionalFactory()])
    skipped = [
        waiting(s, first_day=THURSDAY + timedelta(days=1), last_day=THURSDAY + timedelta(days=5)),
        waiting(s, first_day=THURSDAY, part_of_day=PartOfDay.AFTERNOON),
        waiting(s, first_day=THURSDAY, professional=ProfessionalFactory(practice=s.practice)),
        waiting(s, first_day=THURSDAY, service=other_service),
        waiting(s, first_day=THURSDAY, status=WaitlistStatus.LEFT),
    ]
    fitting = waiting(
        s, first_day=THURSDAY - timedelta(days=2), last_day=THURSDAY, part_of_day="morning"
    )

    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, by_client=False)

    assert status_of(fitting) == "offered"
    assert [status_of(e) for e in skipped] == ["waiting"] * 4 + ["left"]


def test_a_time_that_is_not_free_for_the_entrys_service_is_not_offered(s):
    long_service = ServiceFactory(
        practice=s.practice, professionals=[s.professional], duration_minutes=60
    )
    entry = waiting(s, first_day=THURSDAY, service=long_service)
    book(s, start=THURSDAY_TEN + timedelta(minutes=30))  # 10:30 is taken

    offered = free(s)

    assert offered == []
    assert status_of(entry) == "waiting"


def test_one_email_gets_one_offer_per_freed_time(s):
    first = waiting(s, first_day=THURSDAY, email="ana@example.com")
    second = waiting(
        s,
        first_day=THURSDAY,
        email="ANA@example.com",
        service=ServiceFactory(practice=s.practice, professionals=[s.professional]),
    )

    free(s)

    assert (status_of(first), status_of(second)) == ("offered", "waiting")
    assert offers().count() == 1


def test_someone_holding_an_open_offer_is_not_offered_a_second_time(s):
    other_service = ServiceFactory(practice=s.practice, professionals=[s.professional])
    holding = waiting(s, first_day=THURSDAY, email="ana@example.com")
    free(s)
    second = waiting(s, first_day=THURSDAY, email="Ana@example.com", service=other_service)
    next_in_line = waiting(s, first_day=THURSDAY, service=other_service)

    offered = free(s, start=THURSDAY_TEN + timedelta(hours=1), now=NOW + timedelta(minutes=1))

    assert [e.pk for e in offered] == [next_in_line.pk]
    assert (status_of(holding), status_of(second)) == ("offered", "waiting")


def test_an_offered_entry_is_not_offered_another_time_until_its_offer_expires(s):
    entry = waiting(s, first_day=THURSDAY)

    eleven = THURSDAY_TEN + timedelta(hours=1)

    assert free(s) == [entry]
    assert free(s, start=eleven, now=NOW + timedelta(minutes=5)) == []
    assert free(s, start=eleven, now=NOW + OFFER_VALID) == []  # expired, not yet back
    waitlist_expire_offers(now=NOW + OFFER_VALID)
    assert [e.pk for e in free(s, start=eleven, now=NOW + OFFER_VALID)] == [entry.pk]


def test_releasing_an_unconfirmed_appointment_offers_its_time(
    s, django_capture_on_commit_callbacks
):
    appointment = book(s)
    entry = waiting(s, first_day=THURSDAY)
    deadline = THURSDAY_TEN - timedelta(hours=24)

    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_release(appointment=appointment, now=deadline)

    assert status_of(entry) == "offered"
    entry.refresh_from_db()
    assert entry.offer_expires_at == deadline + OFFER_VALID


def test_rescheduling_offers_the_previous_time(s, django_capture_on_commit_callbacks):
    appointment = book(s)
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(
            appointment=appointment, start=THURSDAY_TEN + timedelta(hours=2), by_client=False
        )

    entry.refresh_from_db()
    assert (entry.status, entry.offered_start) == ("offered", THURSDAY_TEN)


def test_rejecting_a_request_offers_its_time(s, django_capture_on_commit_callbacks):
    request = appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=THURSDAY_TEN,
        by_client=True,
    )
    request.status = "pending"
    request.save(update_fields=["status"])
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        appointment_reject(appointment=request, by=None)

    assert status_of(entry) == "offered"


def test_the_offer_email_names_the_time_and_links_claim_and_leave(s):
    entry = waiting(s, first_day=THURSDAY)
    free(s)

    rendered = render_notification(offers().get())

    assert "jueves, 3 de diciembre de 2026, 10:00" in rendered.subject
    assert f"/r/{s.practice.slug}/lista-de-espera/{entry.token}/" in rendered.text
    assert f"/r/{s.practice.slug}/lista-de-espera/{entry.token}/salir/" in rendered.html
    assert "10:00" in rendered.text  # valid until 08:00 + 2 h
    assert "style=" not in rendered.text


def test_the_claim_books_the_offered_time_as_the_client(s):
    entry = offered_entry(s, full_name="Lucía Gil", email="lucia@example.com")

    appointment = waitlist_claim(entry=entry, now=NOW)

    assert (appointment.start, appointment.professional) == (THURSDAY_TEN, s.professional)
    assert appointment.client.email == "lucia@example.com"
    assert appointment.events.get().by_client
    entry.refresh_from_db()
    assert (entry.status, entry.appointment) == ("booked", appointment)


def test_a_second_claim_is_told_and_stays_on_the_list(s):
    first, second = offered_entry(s), offered_entry(s)
    waitlist_claim(entry=first, now=NOW)

    with pytest.raises(OfferTaken):
        waitlist_claim(entry=second, now=NOW)

    second.refresh_from_db()
    assert (second.status, second.offered_start, second.appointment) == ("waiting", None, None)


def test_an_expired_offer_cannot_be_claimed_and_nothing_is_booked(s):
    entry = offered_entry(s)

    with pytest.raises(ServiceError) as refused:
        waitlist_claim(entry=entry, now=NOW + OFFER_VALID)

    assert refused.value.code == "offer_expired"
    assert s.professional.appointments.count() == 0
    assert status_of(entry) == "offered"


def test_leaving_takes_the_entry_off_the_list(s):
    entry = waiting(s, first_day=THURSDAY)

    waitlist_leave(entry=entry)
    offered = free(s)

    assert (status_of(entry), offered) == ("left", [])


def join(s, **fields):
    values = {
        "practice": s.practice,
        "service": s.service,
        "professional": None,
        "full_name": "Lucía Gil",
        "email": "lucia@example.com",
        "first_day": THURSDAY,
        "last_day": THURSDAY,
        "now": NOW,
        **fields,
    }
    return waitlist_join(**values)


def test_joining_twice_for_the_same_service_is_refused(s):
    join(s)

    with pytest.raises(ServiceError) as refused:
        join(s, email="LUCIA@example.com")

    assert (refused.value.field, refused.value.code) == ("email", "waitlist_duplicate")
    assert WaitlistEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_day": date(2026, 11, 29)}, "first_day"),
        ({"last_day": date(2026, 12, 2)}, "last_day"),
        ({"last_day": date(2027, 6, 1)}, "last_day"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": "  "}, "full_name"),
        ({"part_of_day": "night"}, "part_of_day"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(s, fields, field):
    with pytest.raises(ServiceError) as refused:
        join(s, **fields)

    assert refused.value.field == field
    assert WaitlistEntry.objects.count() == 0


def test_a_professional_who_does_not_offer_the_service_is_refused(s):
    with pytest.raises(ServiceError) as refused:
        join(s, professional=ProfessionalFactory(practice=s.practice))

    assert refused.value.field == "professional"
    assert WaitlistEntry.objects.count() == 0


def test_another_practices_service_is_refused(s):
    with pytest.raises(ServiceError) as refused:
        join(s, service=ServiceFactory())

    assert refused.value.field == "service"
    assert WaitlistEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("part", "local", "fits"),
    [
        ("any", time(20), True),
        ("morning", time(13, 59), True),
        ("morning", time(14), False),
        ("afternoon", time(14), True),
        ("afternoon", time(9), False),
    ],
)
def test_part_of_day(part, local, fits):
    assert fits_part_of_day(part, local) is fits
