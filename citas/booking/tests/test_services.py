from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from citas.booking import services
from citas.booking.models import Appointment, AppointmentEvent, Client
from citas.booking.services import (
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
    client_for_booking,
    client_merge,
)
from citas.core.errors import ServiceError
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    UserFactory,
)

from .helpers import Setup, bookable_practice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def english():
    """The messages are checked against their English source strings, whatever the catalogue."""
    with translation.override("en"):
        yield


def book(s: Setup, start=TUESDAY_TEN, **kwargs) -> Appointment:
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=start,
        by_client=kwargs.pop("by_client", True),
        **kwargs,
    )


def refused(call) -> ServiceError:
    count = Appointment.objects.count()
    with pytest.raises(ServiceError) as info:
        call()
    assert Appointment.objects.count() == count
    return info.value


# --- booking -----------------------------------------------------------------------------------


def test_it_books_a_free_slot_as_confirmed_with_its_blocked_range(s):
    s.service.buffer_before_minutes, s.service.buffer_after_minutes = 5, 10
    s.service.save()

    appointment = book(s)

    assert appointment.status == "confirmed"
    assert appointment.end == TUESDAY_TEN + timedelta(minutes=30)
    assert appointment.blocked_start == TUESDAY_TEN - timedelta(minutes=5)
    assert appointment.blocked_end == TUESDAY_TEN + timedelta(minutes=40)
    assert len(appointment.token) == 43


def test_it_keeps_the_price_the_service_had_when_it_was_booked(s):
    s.service.price = Decimal("42.50")
    s.service.save()

    appointment = book(s)
    s.service.price = Decimal("60.00")
    s.service.save()

    appointment.refresh_from_db()
    assert appointment.price == Decimal("42.50")


def test_it_leaves_a_client_booking_pending_when_the_practice_approves_bookings():
    s = bookable_practice(approval_required=True)

    assert book(s).status == "pending"


def test_staff_bookings_are_confirmed_even_when_the_practice_approves_bookings():
    s = bookable_practice(approval_required=True)
    staff = UserFactory()

    appointment = book(s, by=staff, by_client=False)

    assert appointment.status == "confirmed"
    assert appointment.created_by == staff


def test_it_records_the_creation_in_the_history_and_tells_notifications(s):
    with mock.patch.object(services, "on_appointment_event") as notify:
        appointment = book(s)

    event = appointment.events.get()
    assert (event.kind, event.by_client, event.actor) == ("created", True, None)
    notify.assert_called_once_with(
        appointment=appointment, kind="created", by_client=True, previous_start=None, reason=""
    )


@pytest.mark.parametrize(
    ("start", "fragment"),
    [
        pytest.param(NOW - timedelta(hours=1), "already passed", id="in the past"),
        pytest.param(NOW + timedelta(hours=1), "in advance", id="inside the notice"),
        pytest.param(TUESDAY_TEN + timedelta(days=120), "days ahead", id="beyond the horizon"),
        pytest.param(TUESDAY_TEN.replace(hour=15), "not available", id="outside hours"),
        pytest.param(TUESDAY_TEN + timedelta(minutes=5), "not available", id="off the grid"),
        pytest.param(datetime(2026, 12, 5, 10, tzinfo=MADRID), "not available", id="saturday"),
    ],
)
def test_it_refuses_a_start_that_is_not_a_free_slot(s, start, fragment):
    error = refused(lambda: book(s, start=start))

    assert fragment in str(error.message)
    assert error.field == "start"


def test_it_refuses_a_slot_during_time_off(s):
    TimeOffFactory(practice=s.practice, start=datetime(2026, 12, 1, tzinfo=MADRID))

    assert "not available" in str(refused(lambda: book(s)).message)


def test_it_refuses_an_overlapping_booking_as_slot_taken(s):
    book(s)

    error = refused(lambda: book(s, start=TUESDAY_TEN + timedelta(minutes=15)))

    assert isinstance(error, SlotTaken)
    assert error.code == "slot_taken"


def test_a_blocked_clients_appointment_still_holds_its_time(s):
    """Blocking (erasing) a client cancels their upcoming appointments, not one already
    booked for which the block came too late to cancel; its time stays taken. On SQLite this
    check is the only guard (no exclusion constraint)."""
    book(s)
    Client.all_objects.filter(pk=s.client.pk).update(blocked_at=NOW)
    s.client = ClientFactory(practice=s.practice)

    later = TUESDAY_TEN + timedelta(minutes=15)

    assert isinstance(refused(lambda: book(s, start=later, by_client=False)), SlotTaken)
    forced = refused(lambda: book(s, start=later, by_client=False, override_policy=True))
    assert isinstance(forced, SlotTaken)
    assert Appointment.all_objects.count() == 1


def test_buffers_keep_the_neighbouring_slot_busy(s):
    s.service.buffer_after_minutes = 15
    s.service.save()
    book(s)

    assert isinstance(
        refused(lambda: book(s, start=TUESDAY_TEN + timedelta(minutes=30))), SlotTaken
    )
    assert book(s, start=TUESDAY_TEN + timedelta(minutes=45))


def test_a_cancelled_appointment_frees_its_slot(s):
    appointment_cancel(appointment=book(s), by_client=True)

    assert book(s).status == "confirmed"


def test_staff_can_override_the_policy_but_not_double_book(s):
    staff = UserFactory()
    evening = TUESDAY_TEN.replace(hour=20)

    appointment = book(s, start=evening, by=staff, by_client=False, override_policy=True)

    assert appointment.events.get().data == {"override": True}
    error = refused(lambda: book(s, start=evening, by=staff, by_client=False, override_policy=True))
    assert isinstance(error, SlotTaken)


def test_clients_cannot_override_the_policy(s):
    refused(lambda: book(s, start=TUESDAY_TEN.replace(hour=20), override_policy=True))


@pytest.mark.parametrize(
    "mismatch", ["inactive service", "foreign service", "foreign professional", "foreign client"]
)
def test_it_refuses_what_does_not_belong_together(s, mismatch):
    if mismatch == "inactive service":
        s.service.is_active = False
        s.service.save()
    elif mismatch == "foreign service":
        s.service = ServiceFactory(professionals=[s.professional])
    elif mismatch == "foreign professional":
        s.professional = ProfessionalFactory()
        s.service.professionals.add(s.professional)
    else:
        s.client = ClientFactory()

    refused(lambda: book(s))


def test_it_refuses_a_service_the_professional_does_not_offer(s):
    s.service.professionals.clear()

    assert refused(lambda: book(s)).field == "professional"


def test_it_refuses_a_note_longer_than_a_thousand_characters(s):
    assert refused(lambda: book(s, notes="x" * 10_000)).field == "notes"


# --- clients -----------------------------------------------------------------------------------


def test_one_person_is_one_client_record_matched_by_email(s):
    user = UserFactory()
    first = client_for_booking(practice=s.practice, full_name="José Ñúñez 👍", email="JOSE@x.es")

    again = client_for_booking(
        practice=s.practice,
        full_name="Pepe",
        email="jose@X.es",
        phone="600 000 000",
        user=user,
        privacy_accepted=True,
    )

    assert again.pk == first.pk
    assert (again.full_name, again.phone, again.user) == ("José Ñúñez 👍", "600 000 000", user)
    assert again.privacy_accepted_at == NOW


def test_the_same_email_in_another_practice_is_another_client(s):
    other = bookable_practice()
    mine = client_for_booking(practice=s.practice, full_name="Ana", email="ana@x.es")

    theirs = client_for_booking(practice=other.practice, full_name="Ana", email="ana@x.es")

    assert mine.pk != theirs.pk


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("", "a@x.es", "full_name"),
        ("Ana", "not-an-email", "email"),
        ("x" * 200, "a@x.es", "full_name"),
    ],
)
def test_it_refuses_a_client_without_a_name_or_valid_email(s, name, email, field):
    count = Client.objects.count()
    with pytest.raises(ServiceError) as info:
        client_for_booking(practice=s.practice, full_name=name, email=email)

    assert info.value.field == field
    assert Client.objects.count() == count


def test_merging_clients_moves_appointments_and_fills_gaps(s):
    keep = ClientFactory(practice=s.practice, phone="")
    merge = ClientFactory(practice=s.practice, phone="611")
    appointment = AppointmentFactory(professional=s.professional, client=merge)

    client_merge(practice=s.practice, keep=keep, merge=merge, by=None)

    appointment.refresh_from_db()
    keep.refresh_from_db()
    assert appointment.client == keep
    assert keep.phone == "611"
    assert not Client.objects.filter(pk=merge.pk).exists()


def test_merging_refuses_clients_of_another_practice(s):
    with pytest.raises(ServiceError):
        client_merge(practice=s.practice, keep=s.client, merge=ClientFactory(), by=None)


# --- rescheduling ------------------------------------------------------------------------------


def test_rescheduling_moves_the_appointment_and_records_the_previous_start(s):
    appointment = book(s)
    later = TUESDAY_TEN + timedelta(hours=2)

    with mock.patch.object(services, "on_appointment_event") as notify:
        moved = appointment_reschedule(appointment=appointment, start=later, by_client=True)

    assert (moved.start, moved.end) == (later, later + timedelta(minutes=30))
    event = moved.events.get(kind="rescheduled")
    assert datetime.fromisoformat(event.data["previous_start"]) == TUESDAY_TEN
    assert event.data["previous_professional"] == s.professional.pk
    assert notify.call_args.kwargs["previous_start"] == TUESDAY_TEN


def test_rescheduling_may_overlap_the_appointments_own_range(s):
    appointment = book(s)

    moved = appointment_reschedule(
        appointment=appointment, start=TUESDAY_TEN + timedelta(minutes=15), by_client=True
    )

    assert moved.start == TUESDAY_TEN + timedelta(minutes=15)


def test_rescheduling_onto_another_appointment_is_slot_taken(s):
    appointment = book(s)
    book(s, start=TUESDAY_TEN + timedelta(hours=1))

    with pytest.raises(SlotTaken):
        appointment_reschedule(
            appointment=appointment, start=TUESDAY_TEN + timedelta(hours=1), by_client=True
        )
    appointment.refresh_from_db()
    assert appointment.start == TUESDAY_TEN


def test_staff_can_move_an_appointment_to_another_professional(s):
    colleague = ProfessionalFactory(practice=s.practice)
    s.service.professionals.add(colleague)
    appointment = book(s)

    moved = appointment_reschedule(
        appointment=appointment,
        start=TUESDAY_TEN.replace(hour=20),
        professional=colleague,
        by=UserFactory(),
        by_client=False,
        override_policy=True,
    )

    assert moved.professional == colleague


def test_a_client_cannot_reschedule_inside_the_cancellation_window(s):
    appointment = book(s)

    with pytest.raises(ServiceError, match="Online changes close"):
        appointment_reschedule(
            appointment=appointment,
            start=TUESDAY_TEN + timedelta(hours=1),
            by_client=True,
            now=TUESDAY_TEN - timedelta(hours=23),
        )


def test_a_cancelled_appointment_cannot_be_rescheduled(s):
    appointment = appointment_cancel(appointment=book(s), by_client=True)

    with pytest.raises(ServiceError, match="can no longer be changed"):
        appointment_reschedule(
            appointment=appointment, start=TUESDAY_TEN + timedelta(hours=1), by_client=True
        )


# --- status changes ----------------------------------------------------------------------------


def test_confirming_a_pending_request():
    s = bookable_practice(approval_required=True)
    staff = UserFactory()

    appointment = appointment_confirm(appointment=book(s), by=staff)

    assert appointment.status == "confirmed"
    assert appointment.events.last().actor == staff
    with pytest.raises(ServiceError):
        appointment_confirm(appointment=appointment, by=staff)


def test_rejecting_a_pending_request_cancels_it_with_the_reason():
    s = bookable_practice(approval_required=True)

    appointment = appointment_reject(appointment=book(s), by=UserFactory(), reason="Full")

    assert appointment.status == "cancelled"
    assert appointment.events.last().data == {"reason": "Full"}
    assert appointment.events.last().kind == "rejected"


def test_a_confirmed_appointment_cannot_be_rejected(s):
    with pytest.raises(ServiceError):
        appointment_reject(appointment=book(s), by=UserFactory())


def test_a_client_cancels_before_the_window_with_a_reason(s):
    appointment = appointment_cancel(appointment=book(s), by_client=True, reason="Sick")

    assert appointment.status == "cancelled"
    assert appointment.events.last().data == {"reason": "Sick"}


def test_a_client_cannot_cancel_inside_the_window_but_staff_can(s):
    appointment = book(s)
    late = TUESDAY_TEN - timedelta(hours=2)

    with pytest.raises(ServiceError):
        appointment_cancel(appointment=appointment, by_client=True, now=late)
    assert appointment_cancel(appointment=appointment, by=UserFactory(), by_client=False, now=late)


def test_a_cancelled_appointment_cannot_be_cancelled_again(s):
    appointment = appointment_cancel(appointment=book(s), by_client=True)

    with pytest.raises(ServiceError):
        appointment_cancel(appointment=appointment, by_client=True)
    assert appointment.events.filter(kind="cancelled").count() == 1


def test_completing_and_no_show_need_the_start_to_have_passed(s):
    first = book(s)
    second = book(s, start=TUESDAY_TEN + timedelta(hours=1))
    staff = UserFactory()

    with pytest.raises(ServiceError, match="not started"):
        appointment_complete(appointment=first, by=staff)
    with time_machine.travel(TUESDAY_TEN + timedelta(hours=2), tick=False):
        assert appointment_complete(appointment=first, by=staff).status == "completed"
        assert appointment_mark_no_show(appointment=second, by=staff).status == "no_show"
        with pytest.raises(ServiceError):
            appointment_complete(appointment=second, by=staff)


def test_every_change_leaves_one_history_row(s):
    appointment = book(s)
    appointment_reschedule(
        appointment=appointment, start=TUESDAY_TEN + timedelta(hours=1), by_client=True
    )
    appointment_cancel(appointment=appointment, by_client=True)

    assert list(AppointmentEvent.objects.values_list("kind", flat=True)) == [
        "created",
        "rescheduled",
        "cancelled",
    ]


def test_times_are_stored_in_utc(s):
    appointment = book(s)
    appointment.refresh_from_db()

    assert appointment.start == datetime(2026, 12, 1, 9, tzinfo=UTC)
