"""Calendar files and the daily agenda on the nights the clocks change (found with zoneinfo)."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar

from citas.core.factories import MembershipFactory, PracticeFactory, ProfessionalFactory
from citas.core.tests.dst import DST_ZONES, YEARS, autumn_change, spring_change
from citas.core.timezones import as_utc, local_midnight
from citas.notifications.ics import EventData, appointment_ics, feed_ics
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.services import daily_agendas_schedule, settings_for
from citas.practices.models import Role

THIRTY = timedelta(minutes=30)


def event_at(change, start) -> EventData:
    return EventData(
        appointment_id=1,
        start=start,
        end=start + THIRTY,
        tz=str(change.tz.key),
        summary="Fisioterapia",
        location="",
        organizer_name="Fisio",
        organizer_email="fisio@example.com",
    )


def read_back(content: bytes):
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return event["DTSTART"].dt, event["DTEND"].dt


@pytest.mark.parametrize("year", YEARS)
def test_both_0230_of_the_repeated_hour_read_back_as_their_own_instants(year):
    change = autumn_change("Europe/Madrid", year)
    wall = datetime.combine(change.day, time(2, 30), tzinfo=change.tz)

    for start in (as_utc(wall), as_utc(wall.replace(fold=1))):
        content = appointment_ics(event_at(change, start))
        begins, ends = read_back(content)

        assert (as_utc(begins), as_utc(ends)) == (start, start + THIRTY)
        assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z".encode() in content


@pytest.mark.parametrize("year", YEARS)
def test_times_outside_the_repeated_hour_keep_the_practice_zone(year):
    change = spring_change("Europe/Madrid", year)
    start = as_utc(datetime.combine(change.day, time(1, 45), tzinfo=change.tz))

    content = feed_ics("Agenda", [event_at(change, start)])
    begins, ends = read_back(content)

    assert b"DTSTART;TZID=Europe/Madrid:" in content
    assert b"DTEND;TZID=Europe/Madrid:" in content
    assert (as_utc(begins), as_utc(ends)) == (start, start + THIRTY)
    assert ends.astimezone(change.tz).time() == time(3, 15)


@pytest.mark.parametrize("zone", DST_ZONES)
@pytest.mark.parametrize("year", YEARS)
def test_every_instant_around_the_changes_reads_back_exactly(zone, year):
    for change in (spring_change(zone, year), autumn_change(zone, year)):
        start = change.instant - timedelta(hours=2)
        while start < change.instant + timedelta(hours=2):
            begins, ends = read_back(appointment_ics(event_at(change, start)))
            assert (as_utc(begins), as_utc(ends)) == (start, start + THIRTY)
            start += timedelta(minutes=15)


# --- the daily agenda ------------------------------------------------------------------------


def practices_for_every_hour(zone: str) -> dict[int, object]:
    """One practice per agenda hour 0–23 in `zone`, each with one professional."""
    by_hour = {}
    for hour in range(24):
        practice = PracticeFactory(timezone=zone)
        membership = MembershipFactory(practice=practice, role=Role.PROFESSIONAL)
        ProfessionalFactory(practice=practice, membership=membership)
        options = settings_for(practice)
        options.daily_agenda_hour = hour
        options.save()
        by_hour[hour] = practice
    return by_hour


@pytest.mark.django_db
@pytest.mark.parametrize("zone", DST_ZONES)
@pytest.mark.parametrize("year", YEARS)
def test_the_daily_agenda_goes_out_once_on_every_local_day_around_both_changes(zone, year):
    by_hour = practices_for_every_hour(zone)
    for change in (spring_change(zone, year), autumn_change(zone, year)):
        days = [change.day + timedelta(days=offset) for offset in (-1, 0, 1)]
        now = local_midnight(days[0], change.tz)
        while now < local_midnight(days[-1] + timedelta(days=1), change.tz):
            daily_agendas_schedule(now=now)
            now += timedelta(minutes=30)

        for hour, practice in by_hour.items():
            rows = Notification.objects.filter(
                practice=practice, kind=NotificationKind.DAILY_AGENDA
            )
            per_day = Counter(row.payload["date"] for row in rows)
            assert [per_day[day.isoformat()] for day in days] == [1, 1, 1], (change, hour)
            for row in rows:
                local = row.due_at.astimezone(change.tz)
                assert local.date().isoformat() == row.payload["date"]
                assert local.hour in (hour, hour + 1), (change, hour, local)
        Notification.objects.all().delete()


def test_the_madrid_agenda_at_two_is_due_at_the_change_and_at_the_first_two(db):
    practice = practices_for_every_hour("Europe/Madrid")[2]
    spring, autumn = (
        spring_change("Europe/Madrid", YEARS[0]),
        autumn_change("Europe/Madrid", YEARS[0]),
    )
    for change in (spring, autumn):
        for minute in range(0, 240, 5):
            daily_agendas_schedule(now=change.instant - timedelta(hours=2, minutes=-minute))

    due = sorted(Notification.objects.filter(practice=practice).values_list("due_at", flat=True))
    assert [instant.astimezone(UTC) for instant in due] == [
        spring.instant,
        autumn.instant - timedelta(hours=1),
    ]
