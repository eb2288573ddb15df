"""Cancelling or moving several occurrences of a series: one email (with one .ics) for the
client, and moving a series to another professional, all or nothing."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from citas.booking.models import Appointment
from citas.booking.series import SeriesScope, series_cancel, series_move
from citas.booking.services import appointment_book
from citas.core.errors import ServiceError
from citas.core.factories import ClientFactory
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import render_notification

from .helpers import bookable_practice, colleague
from .test_series import MADRID, NOW, _series_of_four  # noqa: F401 — NOW: the frozen clock's time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def s(db):
    return bookable_practice(horizon_days=365)


def client_emails(kind):
    return Notification.objects.filter(kind=kind, channel="email", status="pending")


def calendar_of(notification) -> Calendar:
    (attachment,) = render_notification(notification).attachments
    return Calendar.from_ical(attachment[1])


@pytest.mark.parametrize(
    ("scope", "first", "count"), [(SeriesScope.FOLLOWING, 1, 3), (SeriesScope.ALL, 0, 4)]
)
def test_cancelling_a_series_sends_one_email_with_one_cancel_file(s, scope, first, count):
    appointments = _series_of_four(s)

    series_cancel(appointment=appointments[1], scope=scope, by=None, reason="Cierre")

    (email,) = client_emails(NotificationKind.CANCELLED)
    assert email.appointment_id == appointments[first].pk
    calendar = calendar_of(email)
    assert calendar["METHOD"] == "CANCEL"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]).split("@")[0] for e in events] == [
        f"appointment-{a.pk}" for a in appointments[first:]
    ]
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert all(e["SEQUENCE"] == 1 for e in events)  # each one's own, past its booking
    text = render_notification(email).text
    assert text.count("\n- ") == count
    assert render_notification(email).subject.startswith(f"{count} citas canceladas")


def test_moving_a_series_sends_one_email_with_the_new_and_previous_times(s):
    appointments = _series_of_four(s)

    series_move(
        appointment=appointments[0],
        scope=SeriesScope.ALL,
        start=appointments[0].start + timedelta(hours=1),
        by=None,
    )

    (email,) = client_emails(NotificationKind.RESCHEDULED)
    calendar = calendar_of(email)
    assert calendar["METHOD"] == "PUBLISH"
    starts = [e.decoded("DTSTART") for e in calendar.walk("VEVENT")]
    assert starts == [a.start + timedelta(hours=1) for a in appointments]
    text = render_notification(email).text
    assert text.count("\n- ") == 4
    assert text.count("(antes ") == 4
    # Each occurrence keeps its own reminders, at its new time.
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER, status="pending")
    assert len({r.appointment_id for r in reminders}) == 4


def test_a_single_cancellation_in_a_series_is_still_its_own_email(s):
    appointments = _series_of_four(s)

    series_cancel(appointment=appointments[2], scope=SeriesScope.THIS, by=None)

    (email,) = client_emails(NotificationKind.CANCELLED)
    assert email.appointment_id == appointments[2].pk
    assert "series" not in email.payload


def test_a_series_moves_to_another_professional(s):
    appointments = _series_of_four(s)
    other = colleague(s.service)

    moved = series_move(
        appointment=appointments[1],
        scope=SeriesScope.FOLLOWING,
        start=appointments[1].start,
        professional=other,
        by=None,
    )

    assert [a.pk for a in moved] == [a.pk for a in appointments[1:]]
    rows = Appointment.objects.filter(pk__in=[a.pk for a in appointments]).order_by("start")
    assert [a.professional_id for a in rows] == [s.professional.pk] + [other.pk] * 3
    (email,) = client_emails(NotificationKind.RESCHEDULED)
    assert len(email.payload["series"]) == 3


def test_a_move_to_another_professional_lists_every_conflict_and_moves_none(s):
    appointments = _series_of_four(s)
    other = colleague(s.service)
    for taken in (appointments[1], appointments[3]):
        appointment_book(
            practice=s.practice,
            professional=other,
            service=s.service,
            client=ClientFactory(practice=s.practice),
            start=taken.start,
            by_client=False,
        )
    before = list(Notification.objects.values_list("pk", "status"))

    with pytest.raises(ServiceError) as refused:
        series_move(
            appointment=appointments[0],
            scope=SeriesScope.ALL,
            start=appointments[0].start,
            professional=other,
            by=None,
        )

    message = str(refused.value.message)
    assert message.startswith("No se ha movido ninguna cita")
    for taken in (appointments[1], appointments[3]):
        assert taken.start.astimezone(MADRID).strftime("%d/%m/%Y") in message
    assert appointments[0].start.astimezone(MADRID).strftime("%d/%m/%Y") not in message
    assert refused.value.code == "slot_taken"
    rows = Appointment.objects.filter(pk__in=[a.pk for a in appointments])
    assert {a.professional_id for a in rows} == {s.professional.pk}
    assert list(Notification.objects.values_list("pk", "status")) == before


def test_a_series_cancellation_cancels_each_invited_event_with_a_higher_sequence(s):
    appointments = _series_of_four(s)
    (invitation,) = client_emails(NotificationKind.CONFIRMED)
    invited = {str(e["UID"]): e["SEQUENCE"] for e in calendar_of(invitation).walk("VEVENT")}
    moved = appointments[2]
    series_move(
        appointment=moved, scope=SeriesScope.THIS, start=moved.start + timedelta(hours=1), by=None
    )
    Notification.objects.update(status="sent")

    series_cancel(appointment=appointments[0], scope=SeriesScope.ALL, by=None)

    (email,) = client_emails(NotificationKind.CANCELLED)
    calendar = calendar_of(email)
    assert calendar["METHOD"] == "CANCEL"
    events = calendar.walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(invited)
    assert len(events) == len(appointments)
    sequences = {str(e["UID"]): e["SEQUENCE"] for e in events}
    assert all(sequences[uid] > invited[uid] for uid in invited)
    moved_uid = next(uid for uid in invited if uid.startswith(f"appointment-{moved.pk}@"))
    assert sequences[moved_uid] == invited[moved_uid] + 2  # past its move's sequence too
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts[2] == moved.start + timedelta(hours=1)
