from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from citas.calendars.models import ExternalCalendar
from citas.core.errors import ServiceError
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.scheduling.availability import SlotRequest, WorkingRange, free_slots
from citas.scheduling.models import TimeOff
from citas.scheduling.selectors import (
    EpochMicroseconds,
    _blocked_rows,
    _blocked_rows_sql,
    availability_for,
    offering_with_hours,
)

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)
TUESDAY = date(2026, 12, 1)


@pytest.fixture
def professional():
    professional = ProfessionalFactory()
    for weekday in range(5):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(9), end_time=time(14)
        )
    return professional


@pytest.fixture
def service(professional):
    return ServiceFactory(
        practice=professional.practice, duration_minutes=60, professionals=[professional]
    )


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 12, 1, 9, 30, tzinfo=MADRID),  # SQLite stores no fraction at all
        datetime(2026, 12, 1, 9, 30, 15, 250, tzinfo=MADRID),
        datetime(2026, 12, 1, 9, 30, 15, 999999, tzinfo=MADRID),  # SQLite's strftime rounds up
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_epoch_microseconds_reads_timestamps_as_exact_integers(start):
    TimeOffFactory(start=start, end=start + timedelta(hours=1), all_day=False)

    micros = TimeOff.objects.values_list(EpochMicroseconds("start"), flat=True).get()

    assert micros == (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def slots(professional, service, first_day=TUESDAY, last_day=TUESDAY):
    result = availability_for(
        practice=professional.practice,
        service=service,
        professionals=[professional],
        first_day=first_day,
        last_day=last_day,
        now=NOW,
    )
    return result["professionals"][professional.pk]


def local(day_slots):
    return [slot.astimezone(MADRID).strftime("%H:%M") for slot in day_slots]


def test_it_steps_the_working_hours_by_the_policy_step(professional, service):
    day = slots(professional, service)[TUESDAY]

    assert local(day)[:3] == ["09:00", "09:15", "09:30"]
    assert local(day)[-1] == "13:00"


def test_an_active_appointment_blocks_its_range_but_a_cancelled_one_does_not(professional, service):
    start = datetime(2026, 12, 1, 10, tzinfo=MADRID)
    AppointmentFactory(professional=professional, service=service, start=start)
    AppointmentFactory(
        professional=professional, service=service, start=start + timedelta(hours=2),
        status="cancelled",
    )  # fmt: skip

    day = local(slots(professional, service)[TUESDAY])

    assert "10:00" not in day
    assert "09:15" not in day  # would end inside the appointment
    assert "11:00" in day
    assert "12:00" in day


def test_an_active_appointment_of_a_blocked_client_still_holds_its_time(professional, service):
    """Blocking a client cancels their upcoming appointments, not one under way: it keeps its
    time (the database refuses an overlap with it), so no slot may be offered over it."""
    client = ClientFactory(practice=professional.practice, blocked_at=NOW)
    start = datetime(2026, 12, 1, 10, tzinfo=MADRID)
    AppointmentFactory(professional=professional, service=service, client=client, start=start)

    day = local(slots(professional, service)[TUESDAY])

    assert "10:00" not in day
    assert "11:00" in day


def test_practice_wide_and_personal_time_off_both_block(professional, service):
    TimeOffFactory(practice=professional.practice, start=datetime(2026, 12, 1, tzinfo=MADRID))
    TimeOffFactory(
        practice=professional.practice, professional=professional,
        start=datetime(2026, 12, 2, 9, tzinfo=MADRID), end=datetime(2026, 12, 2, 12, tzinfo=MADRID),
        all_day=False,
    )  # fmt: skip
    TimeOffFactory(start=datetime(2026, 12, 3, tzinfo=MADRID))  # another practice's

    result = slots(professional, service, last_day=TUESDAY + timedelta(days=2))

    assert result[TUESDAY] == []
    assert local(result[TUESDAY + timedelta(days=1)])[0] == "12:00"
    assert local(result[TUESDAY + timedelta(days=2)])[0] == "09:00"


def test_it_returns_the_same_slots_as_the_engine(professional, service):
    AppointmentFactory(
        professional=professional, service=service, start=datetime(2026, 12, 2, 11, tzinfo=MADRID)
    )
    engine = free_slots(
        SlotRequest(
            tz=MADRID, first_day=TUESDAY, last_day=TUESDAY + timedelta(days=6),
            working=[WorkingRange(d, 540, 840) for d in range(5)], time_off=[],
            busy=[_interval(datetime(2026, 12, 2, 11, tzinfo=MADRID), 60)],
            duration=timedelta(minutes=60), step=timedelta(minutes=15), now=NOW,
            min_notice=timedelta(minutes=120), horizon=timedelta(days=90),
        )
    )  # fmt: skip

    assert slots(professional, service, last_day=TUESDAY + timedelta(days=6)) == engine


def _interval(start, minutes):
    from citas.scheduling.availability import Interval

    return Interval(start, start + timedelta(minutes=minutes))


@pytest.mark.parametrize("days", [1, 90])
def test_it_loads_everything_in_a_fixed_number_of_queries(
    professional, service, django_assert_max_num_queries, days
):
    client = ClientFactory(practice=professional.practice)
    colleague = ProfessionalFactory(practice=professional.practice)
    for n in range(120):
        start = datetime(2026, 12, 1, 9, tzinfo=MADRID) + timedelta(days=n // 4 * 1, hours=n % 4)
        for who in (professional, colleague):
            AppointmentFactory(professional=who, service=service, client=client, start=start)
    TimeOffFactory.create_batch(3, practice=professional.practice)

    # The policy, the hours, the schedule version and one union of time off and appointments.
    with django_assert_max_num_queries(4):
        result = availability_for(
            practice=professional.practice,
            service=service,
            professionals=[professional, colleague],
            first_day=TUESDAY,
            last_day=TUESDAY + timedelta(days=days - 1),
            now=NOW,
        )

    assert len(result["any"]) == days


@pytest.mark.parametrize(
    ("first_day", "last_day"),
    [(TUESDAY, TUESDAY - timedelta(days=1)), (TUESDAY, TUESDAY + timedelta(days=366))],
)
def test_a_backwards_or_longer_than_a_year_range_is_refused(
    professional, service, first_day, last_day
):
    with pytest.raises(ServiceError):
        slots(professional, service, first_day=first_day, last_day=last_day)


def test_appointment_ranges_keep_their_microseconds(professional, service):
    start = datetime(2026, 12, 1, 9, tzinfo=MADRID)
    AppointmentFactory(
        professional=professional, service=service, start=start,
        end=start + timedelta(hours=1, microseconds=1),
        blocked_end=start + timedelta(hours=1, microseconds=1),
    )  # fmt: skip

    day = local(slots(professional, service)[TUESDAY])

    assert day[0] == "10:15"  # 10:00 would overlap the appointment by one microsecond


def test_the_offering_lists_active_professionals_by_name_with_their_hours(professional, service):
    professional.display_name = "Zoe"
    professional.save()
    newcomer = ProfessionalFactory(practice=professional.practice, display_name="Ana")
    retired = ProfessionalFactory(practice=professional.practice, is_active=False)
    service.professionals.add(newcomer, retired)

    working = offering_with_hours(service=service)

    assert list(working) == [newcomer.pk, professional.pk]
    assert working[newcomer.pk] == []  # no hours yet: offered, but never free
    assert sorted(r.weekday for r in working[professional.pk]) == [0, 1, 2, 3, 4]
    assert offering_with_hours(service=service, professional_id=retired.pk) == {}


def test_the_offering_reads_the_rows_the_related_manager_reads(professional, service):
    """offering_with_hours runs SQL built once per process: for each shape (anyone, one
    professional) its rows are service.professionals' rows, whatever the call's values."""
    newcomer = ProfessionalFactory(practice=professional.practice, display_name="Ana")
    retired = ProfessionalFactory(practice=professional.practice, is_active=False)
    service.professionals.add(newcomer, retired)
    other = ServiceFactory(practice=professional.practice, professionals=[newcomer])
    outsider = ProfessionalFactory()  # another practice's
    ServiceFactory(practice=outsider.practice, professionals=[outsider])
    columns = (
        "pk", "working_hours__weekday", "working_hours__start_time", "working_hours__end_time"
    )  # fmt: skip

    for offered in (service, other):
        for pk in (None, professional.pk, newcomer.pk, retired.pk, outsider.pk):
            rows = offered.professionals.filter(is_active=True)
            if pk is not None:
                rows = rows.filter(pk=pk)
            expected: dict = {}
            for row_pk, weekday, start, end in rows.order_by("display_name", "pk").values_list(
                *columns
            ):
                ranges = expected.setdefault(row_pk, [])
                if weekday is not None:
                    minutes = (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
                    ranges.append((weekday, *minutes))
            got = offering_with_hours(service=offered, professional_id=pk)
            assert {
                k: [(r.weekday, r.start_minute, r.end_minute) for r in v] for k, v in got.items()
            } == expected
            assert list(got) == list(expected)
    assert list(offering_with_hours(service=other)) == [newcomer.pk]


def test_preloaded_hours_give_the_same_slots_in_one_query(
    professional, service, django_assert_num_queries
):
    practice = (
        type(professional.practice)
        .objects.select_related("booking_policy")
        .get(pk=professional.practice.pk)
    )
    AppointmentFactory(
        professional=professional, service=service, start=datetime(2026, 12, 1, 10, tzinfo=MADRID)
    )
    TimeOffFactory(practice=practice, start=datetime(2026, 12, 2, tzinfo=MADRID))
    expected = availability_for(
        practice=practice,
        service=service,
        professionals=[professional],
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=6),
        now=NOW,
    )
    working = offering_with_hours(service=service)
    cache.clear()  # computing again, not reading what the first call cached

    with django_assert_num_queries(1):
        result = availability_for(
            practice=practice,
            service=service,
            working=working,
            first_day=TUESDAY,
            last_day=TUESDAY + timedelta(days=6),
            now=NOW,
        )

    assert result == expected


@pytest.mark.postgres
def test_the_postgresql_busy_read_gives_the_rows_of_the_querysets(professional, service):
    # _blocked_rows_sql restates _blocked_rows (active(), blocking(), the time off and external
    # calendar filters) as one fixed statement: every filter is exercised at its edges here.
    practice = professional.practice
    colleague, third, outsider = (ProfessionalFactory(practice=practice) for _ in range(3))
    elsewhere = ProfessionalFactory()  # of another practice; `outsider` is not asked about
    since = datetime(2026, 12, 1, tzinfo=MADRID)
    until = datetime(2026, 12, 8, 0, 30, tzinfo=MADRID)
    before, after = timedelta(minutes=10), timedelta(minutes=15)
    hour = timedelta(hours=1)

    def book(who, start, length=hour, status="confirmed", **fields):
        return AppointmentFactory(
            professional=who,
            start=start,
            end=start + length,
            blocked_start=start - timedelta(minutes=5),
            blocked_end=start + length + timedelta(minutes=5),
            status=status,
            **fields,
        )

    day = datetime(2026, 12, 2, 9, tzinfo=MADRID)
    book(professional, day)
    book(professional, day + 2 * hour, status="pending")
    for offset, status in enumerate(["cancelled", "completed", "no_show"]):
        book(professional, day + (4 + offset) * hour, status=status)
    blocked_client = ClientFactory(practice=practice, blocked_at=NOW)
    book(colleague, day, client=blocked_client)
    # Blocked ranges (the appointment widened by 5 minutes each side) at the edges of the busy
    # window [since - before, until + after): ending exactly where it starts (out), one
    # microsecond later (in), starting exactly where it ends (out), one microsecond earlier
    # (in), and eleven and a half hours that began the day before (in).
    book(outsider, day)
    edge = since - before - timedelta(minutes=5) - hour
    book(colleague, edge)
    book(professional, edge + timedelta(microseconds=1))
    late = until + after + timedelta(minutes=5)
    book(professional, late)
    book(colleague, late - timedelta(microseconds=1))
    book(third, since - timedelta(hours=11), length=timedelta(hours=11, minutes=30))
    book(elsewhere, day)

    TimeOffFactory(practice=practice, start=since - hour, end=since)  # ends at since: out
    TimeOffFactory(practice=practice, start=until, end=until + hour)  # starts at until: out
    TimeOffFactory(practice=practice, start=day, end=day + hour)  # practice-wide: in
    TimeOffFactory(practice=practice, professional=colleague, start=day, end=until + hour)
    TimeOffFactory(practice=practice, professional=outsider, start=day, end=day + hour)
    TimeOffFactory(practice=elsewhere.practice, start=day, end=day + hour)  # another practice
    for who in (professional, outsider):
        calendar = ExternalCalendar.objects.create(
            practice=practice, professional=who, name="P", url=f"https://x.example/{who.pk}.ics"
        )
        for start, end in [(since - hour, since), (day, day + hour), (until - hour, until)]:
            calendar.busy.create(professional=who, start=start, end=end)

    bounds = {
        "practice_id": practice.pk,
        "ids": [professional.pk, colleague.pk, third.pk],
        "since": since,
        "until": until,
        "before": before,
        "after": after,
    }
    rows = sorted(_blocked_rows_sql(**bounds), key=str)

    assert rows == sorted(_blocked_rows(**bounds), key=str)
    kinds = {(kind, professional_id) for kind, professional_id, _start, _end in rows}
    assert kinds == {
        (0, None),
        (0, colleague.pk),
        (0, professional.pk),
        (1, professional.pk),
        (1, colleague.pk),
        (1, third.pk),
    }
    assert len(rows) == 10
