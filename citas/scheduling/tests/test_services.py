from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from citas.core.errors import ServiceError
from citas.core.factories import PracticeFactory, ProfessionalFactory, WorkingHoursFactory
from citas.scheduling import services
from citas.scheduling.models import TimeOff, TimeOffReason, WorkingHours
from citas.scheduling.selectors import policy_for

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def test_it_replaces_the_weekly_hours_of_a_professional():
    professional = ProfessionalFactory()
    WorkingHoursFactory(professional=professional, weekday=6)

    services.working_hours_set(
        practice=professional.practice,
        professional=professional,
        ranges={0: [(time(15), time(19)), (time(9), time(14))], 1: []},
    )

    rows = WorkingHours.objects.filter(professional=professional).order_by("start_time")
    assert [(r.weekday, r.start_time, r.end_time) for r in rows] == [
        (0, time(9), time(14)),
        (0, time(15), time(19)),
    ]


@pytest.mark.parametrize(
    "day_ranges",
    [
        [(time(14), time(9))],
        [(time(9), time(9))],
        [(time(9), time(14)), (time(13), time(17))],
    ],
)
def test_it_rejects_backwards_or_overlapping_ranges_and_keeps_the_old_hours(day_ranges):
    professional = ProfessionalFactory()
    WorkingHoursFactory(professional=professional, weekday=2)

    with pytest.raises(ServiceError) as error:
        services.working_hours_set(
            practice=professional.practice, professional=professional, ranges={2: day_ranges}
        )

    assert error.value.field == "day_2"
    assert WorkingHours.objects.filter(professional=professional).count() == 1


def test_a_new_professional_starts_from_the_practice_template():
    practice = PracticeFactory()
    services.working_hours_set(
        practice=practice,
        professional=None,
        ranges=dict.fromkeys(range(5), [(time(9), time(14)), (time(15), time(19))]),
    )
    newcomer = ProfessionalFactory(practice=practice)

    copied = services.working_hours_apply_default(professional=newcomer)

    assert copied == 10
    assert WorkingHours.objects.filter(professional=newcomer).count() == 10
    assert services.working_hours_apply_default(professional=newcomer) == 0


def test_time_off_must_end_after_it_starts():
    practice = PracticeFactory()
    start = datetime(2026, 12, 1, 10, tzinfo=MADRID)

    with pytest.raises(ServiceError):
        services.time_off_create(
            practice=practice, professional=None, start=start, end=start, all_day=False,
            reason=TimeOffReason.OTHER,
        )  # fmt: skip

    assert not TimeOff.objects.exists()


def test_time_off_for_a_professional_of_another_practice_is_refused():
    start = datetime(2026, 12, 1, 10, tzinfo=MADRID)

    with pytest.raises(ServiceError):
        services.time_off_create(
            practice=PracticeFactory(), professional=ProfessionalFactory(), start=start,
            end=start.replace(hour=12), all_day=False, reason=TimeOffReason.OTHER,
        )  # fmt: skip


def test_importing_the_holidays_of_madrid_twice_creates_them_once():
    practice = PracticeFactory()

    first = services.time_off_import_holidays(
        practice=practice, year=2026, country="ES", subdivision="MD"
    )
    second = services.time_off_import_holidays(
        practice=practice, year=2026, country="ES", subdivision="MD"
    )

    assert first == 12
    assert second == 0
    madrid_day = TimeOff.objects.get(practice=practice, start=datetime(2026, 5, 2, tzinfo=MADRID))
    assert "Madrid" in madrid_day.note
    assert madrid_day.end == datetime(2026, 5, 3, tzinfo=MADRID)
    assert madrid_day.professional is None
    assert madrid_day.reason == TimeOffReason.HOLIDAY


def test_a_region_adds_its_own_holidays_to_the_national_ones():
    national = services.holiday_names(year=2026, country="ES", subdivision="")
    madrid = services.holiday_names(year=2026, country="ES", subdivision="MD")

    assert date(2026, 5, 2) in madrid
    assert date(2026, 5, 2) not in national


def test_the_policy_is_created_with_the_defaults_once():
    practice = PracticeFactory()

    policy = policy_for(practice)

    assert policy_for(practice).pk == policy.pk
    assert (policy.min_notice_minutes, policy.horizon_days, policy.slot_step_minutes) == (
        120,
        90,
        15,
    )
    assert policy.cancellation_window_hours == 24
    assert policy.approval_required is False


def test_a_horizon_of_ten_years_is_refused():
    policy = policy_for(PracticeFactory())

    with pytest.raises(ServiceError) as error:
        services.booking_policy_update(
            policy=policy, min_notice_minutes=60, horizon_days=3650, slot_step_minutes=15,
            cancellation_window_hours=24, approval_required=False,
        )  # fmt: skip

    assert error.value.field == "horizon_days"
    policy.refresh_from_db()
    assert policy.horizon_days == 90


def test_portuguese_holidays_include_lisbon_and_keep_their_portuguese_names():
    practice = PracticeFactory(timezone="Europe/Lisbon")

    created = services.time_off_import_holidays(
        practice=practice, year=2026, country="PT", subdivision="11"
    )

    assert created == 14
    lisbon = ZoneInfo("Europe/Lisbon")
    saint_anthony = TimeOff.objects.get(start=datetime(2026, 6, 13, tzinfo=lisbon))
    assert saint_anthony.end == datetime(2026, 6, 14, tzinfo=lisbon)
    assert TimeOff.objects.get(start=datetime(2026, 1, 1, tzinfo=lisbon)).note == "Ano Novo"


def test_mexican_holidays_are_imported_in_spanish_once():
    practice = PracticeFactory(timezone="America/Mexico_City")

    first = services.time_off_import_holidays(practice=practice, year=2026, country="MX")
    second = services.time_off_import_holidays(practice=practice, year=2026, country="MX")

    assert (first, second) == (7, 0)
    mexico = ZoneInfo("America/Mexico_City")
    independence = TimeOff.objects.get(start=datetime(2026, 9, 16, tzinfo=mexico))
    assert independence.note == "Día de la Independencia"
