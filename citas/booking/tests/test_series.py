"""Recurring series: the days, the preview's conflicts, all-or-nothing booking, DST, and
changing one / the following / the whole series."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.booking.models import Appointment, AppointmentSeries, SeriesFrequency
from citas.booking.series import (
    SeriesScope,
    series_book,
    series_cancel,
    series_days,
    series_move,
    series_preview,
    series_starts,
)
from citas.booking.services import appointment_book
from citas.core.errors import ServiceError
from citas.core.factories import ClientFactory
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import render_notification
from citas.scheduling.models import TimeOff, TimeOffReason

from .helpers import bookable_practice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2027, 3, 1, 8, tzinfo=MADRID)  # a Monday, four weeks before the spring change
TUESDAY_TEN = datetime(2027, 3, 9, 10, tzinfo=MADRID)


@pytest.fixture
def s(db):
    return bookable_practice(horizon_days=365)


def weekly(s, count=4, start=TUESDAY_TEN):
    return series_starts(start=start, frequency="weekly", tz=MADRID, count=count)


def book_series(s, starts, **extra):
    return series_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        frequency=SeriesFrequency.WEEKLY,
        starts=starts,
        **extra,
    )


def local(instant):
    return instant.astimezone(MADRID)


def test_weekly_fortnightly_and_monthly_days():
    first = date(2027, 1, 31)
    assert series_days(first_day=first, frequency="weekly", count=3) == [
        date(2027, 1, 31),
        date(2027, 2, 7),
        date(2027, 2, 14),
    ]
    assert series_days(first_day=first, frequency="biweekly", until=date(2027, 3, 1)) == [
        date(2027, 1, 31),
        date(2027, 2, 14),
        date(2027, 2, 28),
    ]
    # The 31st becomes the last day of shorter months and comes back when it exists.
    assert series_days(first_day=first, frequency="monthly", count=4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


@pytest.mark.parametrize(
    ("count", "until", "field"),
    [
        (None, None, "count"),
        (3, date(2027, 5, 1), "count"),
        (1, None, "count"),
        (53, None, "count"),
        (None, date(2027, 1, 31), "until"),
        (None, date(2028, 6, 1), "until"),
    ],
)
def test_it_refuses_a_series_without_a_sensible_length(count, until, field):
    with pytest.raises(ServiceError) as refusal:
        series_days(first_day=date(2027, 1, 31), frequency="weekly", count=count, until=until)
    assert refusal.value.field == field


def test_weekly_ten_o_clock_stays_ten_o_clock_across_the_spring_change(s):
    starts = weekly(s, count=5, start=datetime(2027, 3, 16, 10, tzinfo=MADRID))
    series = book_series(s, starts)

    appointments = list(series.appointments.order_by("start"))
    assert [local(a.start).time() for a in appointments] == [time(10)] * 5
    # UTC moves by one hour after 28 March: 09:00 UTC before, 08:00 UTC after.
    assert [a.start.hour for a in appointments] == [9, 9, 8, 8, 8]
    assert {a.end - a.start for a in appointments} == {timedelta(minutes=30)}


def test_weekly_series_across_the_autumn_change_keeps_its_wall_time(s):
    with time_machine.travel(datetime(2027, 10, 11, 8, tzinfo=MADRID), tick=False):
        starts = weekly(s, count=4, start=datetime(2027, 10, 19, 10, tzinfo=MADRID))
        series = book_series(s, starts)
    assert [local(a.start).time() for a in series.appointments.all()] == [time(10)] * 4
    assert [a.start.hour for a in series.appointments.order_by("start")] == [8, 8, 9, 9]


def test_the_preview_names_each_conflict_and_saves_nothing(s):
    starts = weekly(s, count=5)
    appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice),
        start=starts[1],
        by_client=False,
    )
    TimeOff.objects.create(
        practice=s.practice,
        start=local(starts[2]).replace(hour=0),
        end=local(starts[2]).replace(hour=23),
        reason=TimeOffReason.HOLIDAY,
    )
    TimeOff.objects.create(
        practice=s.practice,
        professional=s.professional,
        start=local(starts[3]).replace(hour=0),
        end=local(starts[3]).replace(hour=23),
    )
    late = starts[4].replace(hour=starts[4].hour + 5)  # 15:00, after the 9–14 hours

    occurrences = series_preview(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        starts=[*starts[:4], late],
    )

    assert [o.conflict for o in occurrences] == ["", "taken", "holiday", "time_off", "unavailable"]
    assert all(o.message for o in occurrences[1:])
    assert AppointmentSeries.objects.count() == 0
    assert Appointment.objects.count() == 1


def test_one_refused_occurrence_books_none_of_the_series(s):
    starts = weekly(s, count=4)
    other = appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice),
        start=starts[3],
        by_client=False,
    )

    with pytest.raises(ServiceError) as refusal:
        book_series(s, starts)

    assert refusal.value.code == "slot_taken"
    assert str(refusal.value.message).startswith("30/03/2027 10:00: ")
    assert "No se ha reservado ninguna" in str(refusal.value.message)
    assert list(Appointment.objects.all()) == [other]
    assert AppointmentSeries.objects.count() == 0


def test_skipping_the_conflicts_books_the_rest_as_one_series(s):
    starts = weekly(s, count=4)
    appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice),
        start=starts[2],
        by_client=False,
    )
    moved = starts[2] + timedelta(hours=1)

    series = book_series(s, [starts[0], starts[1], moved, starts[3]])

    assert [a.start for a in series.appointments.order_by("start")] == [
        starts[0],
        starts[1],
        moved,
        starts[3],
    ]
    assert {a.client_id for a in series.appointments.all()} == {s.client.pk}


def _series_of_four(s):
    return list(book_series(s, weekly(s, count=4)).appointments.order_by("start"))


@pytest.mark.parametrize(
    ("scope", "cancelled"),
    [(SeriesScope.THIS, [1]), (SeriesScope.FOLLOWING, [1, 2, 3]), (SeriesScope.ALL, [0, 1, 2, 3])],
)
def test_cancelling_one_the_following_or_all(s, scope, cancelled):
    appointments = _series_of_four(s)

    series_cancel(appointment=appointments[1], scope=scope, by=None)

    statuses = [Appointment.objects.get(pk=a.pk).status for a in appointments]
    assert [i for i, status in enumerate(statuses) if status == "cancelled"] == cancelled


def test_the_whole_series_leaves_past_occurrences_alone(s):
    appointments = _series_of_four(s)
    with time_machine.travel(appointments[1].start + timedelta(hours=2), tick=False):
        series_cancel(appointment=appointments[2], scope=SeriesScope.ALL, by=None)
    statuses = [Appointment.objects.get(pk=a.pk).status for a in appointments]
    assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled"]


def test_moving_this_and_the_following_keeps_the_rhythm(s):
    appointments = _series_of_four(s)
    new_start = local(appointments[1].start).replace(hour=12) + timedelta(days=1)

    series_move(appointment=appointments[1], scope=SeriesScope.FOLLOWING, start=new_start, by=None)

    moved = [local(Appointment.objects.get(pk=a.pk).start) for a in appointments]
    assert moved[0] == local(appointments[0].start)
    assert [(m.date(), m.time()) for m in moved[1:]] == [
        (local(a.start).date() + timedelta(days=1), time(12)) for a in appointments[1:]
    ]


def test_moving_the_series_one_week_later_does_not_collide_with_itself(s):
    appointments = _series_of_four(s)
    series_move(
        appointment=appointments[0],
        scope=SeriesScope.ALL,
        start=appointments[0].start + timedelta(weeks=1),
        by=None,
    )
    # Local days and wall time move (the third week crosses the spring change).
    assert [local(Appointment.objects.get(pk=a.pk).start) for a in appointments] == [
        local(a.start) + timedelta(weeks=1) for a in appointments
    ]


def test_a_move_that_fails_for_one_occurrence_moves_none(s):
    appointments = _series_of_four(s)
    blocker_start = appointments[3].start + timedelta(hours=2)
    appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice),
        start=blocker_start,
        by_client=False,
    )

    with pytest.raises(ServiceError, match="No se ha movido ninguna"):
        series_move(
            appointment=appointments[0],
            scope=SeriesScope.ALL,
            start=appointments[0].start + timedelta(hours=2),
            by=None,
        )

    assert [Appointment.objects.get(pk=a.pk).start for a in appointments] == [
        a.start for a in appointments
    ]


def test_the_client_gets_one_email_for_the_series_with_every_date_and_a_reminder_each(s):
    starts = weekly(s, count=3)
    series = book_series(s, starts)
    appointments = list(series.appointments.order_by("start"))

    emails = Notification.objects.filter(
        kind=NotificationKind.CONFIRMED, channel="email", status="pending"
    )
    (email,) = emails
    assert email.appointment_id == appointments[0].pk
    rendered = render_notification(email)
    for appointment in appointments:
        assert f"appointment-{appointment.pk}@" in rendered.attachments[0][1]
    assert rendered.attachments[0][1].count("BEGIN:VEVENT") == 3
    assert "METHOD:PUBLISH" in rendered.attachments[0][1]
    assert rendered.text.count("\n- ") == 3
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER, status="pending")
    assert sorted(set(reminders.values_list("appointment_id", flat=True))) == [
        a.pk for a in appointments
    ]
