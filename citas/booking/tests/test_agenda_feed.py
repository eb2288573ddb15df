"""The agenda feed's exact output for one week, pinned (on SQLite the Python formatting, on
PostgreSQL the database's): a break, an afternoon off, a series, a client confirmation and
the night the clocks go back, when two appointments start at 02:30."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from citas.booking.models import AppointmentSeries, AppointmentStatus
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
FEED = reverse("booking_staff:agenda_feed")
WEEK = {"start": "2026-10-19T00:00:00", "end": "2026-10-26T00:00:00"}  # clocks go back on the 25th


def test_the_feed_of_a_week_with_a_break_time_off_and_the_clocks_going_back(client):
    member = MembershipFactory(role=Role.RECEPTION)
    practice = member.practice
    luis = ProfessionalFactory(practice=practice, display_name="Luis Gil", color="#225588")
    for weekday in range(5):  # a lunch break from 13:00 to 15:00
        WorkingHoursFactory(professional=luis, weekday=weekday, end_time=time(13))
        WorkingHoursFactory(
            professional=luis, weekday=weekday, start_time=time(15), end_time=time(19)
        )
    service = ServiceFactory(
        practice=practice, name="Fisioterapia", color="#aa3355", professionals=[luis]
    )
    ana = ClientFactory(practice=practice, full_name='Ana "la" López')
    series = AppointmentSeries.objects.create(
        practice=practice, client=ana, service=service, frequency="weekly"
    )

    def book(start, **fields):
        end = start.astimezone(UTC) + timedelta(minutes=30)  # 30 minutes, even on the 25th
        return AppointmentFactory(
            professional=luis, service=service, client=ana, start=start, end=end, **fields
        )

    before_break = book(
        datetime(2026, 10, 20, 12, 30, tzinfo=MADRID),
        status=AppointmentStatus.CONFIRMED,
        client_confirmed_at=datetime(2026, 10, 19, 18, tzinfo=MADRID),
    )
    after_break = book(
        datetime(2026, 10, 20, 15, tzinfo=MADRID), status=AppointmentStatus.PENDING, series=series
    )
    book(datetime(2026, 10, 21, 10, tzinfo=MADRID), status=AppointmentStatus.CANCELLED)
    first_0230 = book(
        datetime(2026, 10, 25, 2, 30, tzinfo=MADRID), status=AppointmentStatus.COMPLETED
    )
    second_0230 = book(
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=MADRID), status=AppointmentStatus.NO_SHOW
    )
    afternoon_off = TimeOffFactory(
        practice=practice,
        professional=luis,
        start=datetime(2026, 10, 22, 15, tzinfo=MADRID),
        end=datetime(2026, 10, 22, 19, tzinfo=MADRID),
        all_day=False,
        note="Médico",
    )
    client.force_login(member.user)

    with time_machine.travel(datetime(2026, 10, 19, 8, tzinfo=MADRID), tick=False):
        response = client.get(FEED, WEEK)

    assert response.status_code == 200
    luis_colours = {"backgroundColor": "#225588", "textColor": "#ffffff"}
    about = {"professional": "Luis Gil", "service": "Fisioterapia", "serviceColor": "#aa3355"}
    assert response.json() == [
        {
            "id": before_break.pk,
            "resourceIds": [luis.pk],
            "start": "2026-10-20T12:30:00",
            "end": "2026-10-20T13:00:00",
            "title": '✓ 12:30 Ana "la" López',
            **luis_colours,
            "classNames": ["status-confirmed", "client-confirmed"],
            "startEditable": True,
            "durationEditable": True,
            "extendedProps": {
                "status": "confirmed",
                "statusLabel": "Confirmada",
                "clientConfirmed": True,
                **about,
                "series": None,
            },
        },
        {
            "id": after_break.pk,
            "resourceIds": [luis.pk],
            "start": "2026-10-20T15:00:00",
            "end": "2026-10-20T15:30:00",
            "title": '↻ 15:00 Ana "la" López',
            **luis_colours,
            "classNames": ["status-pending", "in-series"],
            "startEditable": True,
            "durationEditable": True,
            "extendedProps": {
                "status": "pending",
                "statusLabel": "Pendiente",
                "clientConfirmed": False,
                **about,
                "series": series.pk,
            },
        },
        {
            "id": first_0230.pk,
            "resourceIds": [luis.pk],
            "start": "2026-10-25T02:30:00",
            "end": "2026-10-25T02:00:00",  # 30 minutes later, in winter time
            "title": '02:30 (primera vez) Ana "la" López',
            **luis_colours,
            "classNames": ["status-completed", "status-muted"],
            "startEditable": False,
            "durationEditable": False,
            "extendedProps": {
                "status": "completed",
                "statusLabel": "Completada",
                "clientConfirmed": False,
                **about,
                "series": None,
            },
        },
        {
            "id": second_0230.pk,
            "resourceIds": [luis.pk],
            "start": "2026-10-25T02:30:00",
            "end": "2026-10-25T03:00:00",
            "title": '02:30 (segunda vez) Ana "la" López',
            **luis_colours,
            "classNames": ["status-no_show", "status-muted"],
            "startEditable": False,
            "durationEditable": False,
            "extendedProps": {
                "status": "no_show",
                "statusLabel": "No se presentó",
                "clientConfirmed": False,
                **about,
                "series": None,
            },
        },
        {
            "id": f"time-off-{afternoon_off.pk}",
            "start": "2026-10-22T15:00:00",
            "end": "2026-10-22T19:00:00",
            "title": "Vacaciones · Médico · Luis Gil",
            "display": "background",
            "backgroundColor": "rgba(108, 117, 125, 0.22)",
            "classNames": ["time-off", "time-off-vacaciones"],
            "editable": False,
            "extendedProps": {"timeOff": True, "reason": "vacaciones"},
            "resourceIds": [luis.pk],
        },
    ]
