"""availability_for against a plain reference, on a week that has everything at once.

The reference reads the same rows as whole model objects and hands them, as datetimes, to the
brute-force oracle of the engine's property tests; the "any" merge is restated from its
definition. The selector's own path (the busy read in epoch microseconds, raw SQL on
PostgreSQL, the slot cache, clipping by notice and horizon on every read, the merge) must give
the same slots, computed and cached alike.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from citas.booking.models import ACTIVE_STATUSES, Appointment
from citas.calendars.models import ExternalBusy, ExternalCalendar
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Practice
from citas.scheduling.availability import Interval, SlotRequest, WorkingRange
from citas.scheduling.models import BookingPolicy, TimeOff, WorkingHours
from citas.scheduling.selectors import availability_for
from citas.scheduling.tests.test_availability_properties import oracle

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
FIRST, LAST = date(2027, 3, 25), date(2027, 3, 31)  # clocks go forward on Sunday the 28th
NOW = datetime(2027, 3, 25, 8, 7, tzinfo=UTC)  # 09:07 in Madrid


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=MADRID)


@pytest.fixture
def week():
    practice = PracticeFactory(timezone="Europe/Madrid")
    BookingPolicy.objects.update_or_create(
        practice=practice,
        defaults={"slot_step_minutes": 15, "min_notice_minutes": 120, "horizon_days": 5},
    )
    # Created in reverse order: "any" prefers them by display name.
    carla, bea, ana = (
        ProfessionalFactory(practice=practice, display_name=name)
        for name in ("Carla", "Bea", "Ana")
    )
    service = ServiceFactory(
        practice=practice,
        duration_minutes=45,
        buffer_before_minutes=10,
        buffer_after_minutes=5,
        professionals=[ana, bea, carla],
    )

    def hours(who, weekdays, start, end):
        for weekday in weekdays:
            WorkingHoursFactory(professional=who, weekday=weekday, start_time=start, end_time=end)

    hours(ana, range(5), time(9), time(13))  # a break at midday
    hours(ana, range(5), time(15), time(19))
    hours(ana, [6], time(0), time(5))  # across the skipped hour
    hours(bea, range(7), time(8), time(14))
    hours(bea, [5], time(13, 30), time(20))  # overlapping the morning: one range
    hours(carla, [3, 4, 5, 6], time(1), time(4))
    hours(carla, [3, 4, 5, 6], time(10), time(12))

    TimeOffFactory(practice=practice, start=at(26, 0), end=at(27, 0))  # a holiday
    TimeOffFactory(practice=practice, professional=ana, start=at(29, 10), end=at(29, 11, 30))
    TimeOffFactory(start=at(31, 0), end=at(31, 23))  # another practice's
    calendar = ExternalCalendar.objects.create(
        practice=practice, professional=bea, name="P", url="https://calendar.example.com/b.ics"
    )
    ExternalBusy.objects.create(
        calendar=calendar, professional=bea, start=at(27, 9), end=at(27, 10, 15)
    )
    # Booked so that 10:15 is the one start between the busy period and this appointment.
    AppointmentFactory(professional=bea, service=service, start=at(27, 11, 15))
    AppointmentFactory(professional=ana, service=service, start=at(25, 16))
    AppointmentFactory(professional=bea, service=service, start=at(28, 9), status="pending")
    AppointmentFactory(professional=bea, service=service, start=at(28, 11), status="cancelled")
    AppointmentFactory(
        professional=carla, service=service, start=datetime(2027, 3, 28, 1, tzinfo=UTC)
    )
    blocked = ClientFactory(practice=practice, blocked_at=NOW)
    AppointmentFactory(professional=carla, service=service, client=blocked, start=at(27, 10, 30))
    return practice, service, [ana, bea, carla]


def reference(practice, service, professionals, now):
    policy = practice.booking_policy
    per_professional = {}
    for professional in professionals:
        working = [
            WorkingRange(row.weekday, row.start_time.hour * 60 + row.start_time.minute,
                         row.end_time.hour * 60 + row.end_time.minute)
            for row in WorkingHours.objects.filter(professional=professional)
        ]  # fmt: skip
        absences = list(TimeOff.objects.filter(practice=practice, professional=None))
        absences += TimeOff.objects.filter(practice=practice, professional=professional)
        absences += ExternalBusy.objects.filter(professional=professional)
        appointments = Appointment.all_objects.filter(
            professional=professional, status__in=ACTIVE_STATUSES
        )
        per_professional[professional.pk] = oracle(
            SlotRequest(
                tz=MADRID,
                first_day=FIRST,
                last_day=LAST,
                working=working,
                time_off=[Interval(a.start, a.end) for a in absences],
                busy=[Interval(a.blocked_start, a.blocked_end) for a in appointments],
                duration=timedelta(minutes=service.duration_minutes),
                buffer_before=timedelta(minutes=service.buffer_before_minutes),
                buffer_after=timedelta(minutes=service.buffer_after_minutes),
                step=timedelta(minutes=policy.slot_step_minutes),
                now=now,
                min_notice=timedelta(minutes=policy.min_notice_minutes),
                horizon=timedelta(days=policy.horizon_days),
            )
        )
    merged = {}
    for day in per_professional[professionals[0].pk]:
        owners = {}
        for professional in professionals:  # by display name
            for start in per_professional[professional.pk][day]:
                owners.setdefault(start, professional.pk)
        merged[day] = sorted(owners.items())
    return per_professional, merged


@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=26, minutes=50)])
def test_computed_and_cached_slots_match_the_reference(week, later):
    practice, service, professionals = week
    practice = Practice.objects.select_related("booking_policy", "schedule_version").get(
        pk=practice.pk
    )
    cache.clear()

    def read(now):
        result = availability_for(
            practice=practice,
            service=service,
            professionals=professionals,
            first_day=FIRST,
            last_day=LAST,
            now=now,
        )
        per_professional = {pk: result["professionals"][pk] for pk in result["professionals"]}
        return per_professional, result["any"]

    computed = read(NOW + later)
    cached = read(NOW + later)  # the same days from the cache, clipped again
    clipped_later = read(NOW + later + timedelta(hours=3))

    assert computed == reference(practice, service, professionals, NOW + later)
    assert cached == computed
    assert clipped_later == reference(
        practice, service, professionals, NOW + later + timedelta(hours=3)
    )
    per_professional, merged = computed
    assert sum(map(len, merged.values())) > 50  # the week is not trivially empty
    assert merged[date(2027, 3, 26)] == []  # the holiday
    ana, bea, _carla = professionals
    assert per_professional[ana.pk][date(2027, 3, 28)]  # the night of the clock change
    assert at(27, 10, 15) in per_professional[bea.pk][date(2027, 3, 27)]
    assert at(27, 10) not in per_professional[bea.pk][date(2027, 3, 27)]
