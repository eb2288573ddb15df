"""A small practice with hand-counted figures for the week of 19–25 October 2026.

Summer time ends on Sunday 25 October at 03:00 (Madrid), so that Sunday's 00:00–06:00 working
range lasts seven hours. Ana is off on Wednesday; the whole practice is closed Thursday
09:00–11:00.

     start (local)     who   service  client  status     channel  booked     cancelled
  1  Mon 19 10:00      Ana   Fisio    Alba    completed  public   19 08:00
  2  Tue 20 09:00      Ana   Masaje   Alba    completed  staff    18 12:00
  3  Thu 22 12:00      Ana   Fisio    Bruno   no_show    api      10 10:00
  4  Fri 23 09:00      Ana   Fisio    Carla   cancelled  staff    01 10:00   23 08:00 (late)
  5  Sun 25 04:00 90'  Ana   Masaje   Bruno   confirmed  public   Sep 1
  6  Mon 19 11:00      Luis  Fisio    Carla   completed  staff    15 10:00
  7  Tue 20 10:00      Luis  Masaje   Carla   cancelled  staff    14 10:00   15 10:00 (early)
  +  Bruno completed with Luis on 1 September; Dani did not show up with Luis on 10 September.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from citas.booking.models import Appointment, AppointmentEvent, Client
from citas.catalog.models import Service
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Practice, Professional
from citas.reports.tables import Period

MADRID = ZoneInfo("Europe/Madrid")
WEEK = date(2026, 10, 19)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID)


@dataclass
class Clinic:
    practice: Practice
    ana: Professional
    luis: Professional
    fisio: Service
    masaje: Service
    clients: dict[str, Client]

    def week(self, **filters) -> Period:
        return Period(WEEK, WEEK + timedelta(days=6), MADRID, **filters)


def _book(clinic, number, start, who, service, client, status, channel, booked, minutes=None):
    end = start + timedelta(minutes=minutes or service.duration_minutes)
    appointment = AppointmentFactory(
        practice=clinic.practice,
        professional=who,
        service=service,
        client=clinic.clients[client],
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
        channel=channel,
    )
    Appointment.objects.filter(pk=appointment.pk).update(created_at=booked)
    return appointment


def _cancelled_at(appointment, when):
    event = AppointmentEvent.objects.create(appointment=appointment, kind="cancelled")
    AppointmentEvent.objects.filter(pk=event.pk).update(created_at=when)


def clinic() -> Clinic:
    ana = ProfessionalFactory(display_name="Ana")
    practice = ana.practice
    luis = ProfessionalFactory(practice=practice, display_name="Luis")
    for professional in (ana, luis):
        for weekday in range(5):
            WorkingHoursFactory(
                professional=professional, weekday=weekday, start_time=time(9), end_time=time(14)
            )
    WorkingHoursFactory(professional=ana, weekday=6, start_time=time(0), end_time=time(6))
    TimeOffFactory(practice=practice, professional=ana, start=at(21, 0), end=at(22, 0))
    TimeOffFactory(practice=practice, start=at(22, 9), end=at(22, 11), all_day=False)
    fisio = ServiceFactory(practice=practice, name="Fisio", duration_minutes=60, price=Decimal(50))
    masaje = ServiceFactory(
        practice=practice, name="Masaje", duration_minutes=30, price=Decimal("30.50")
    )
    clients = {
        name: ClientFactory(practice=practice, full_name=name)
        for name in ("Alba", "Bruno", "Carla", "Dani")
    }
    c = Clinic(practice, ana, luis, fisio, masaje, clients)
    _book(c, 1, at(19, 10), ana, fisio, "Alba", "completed", "public", at(19, 8))
    _book(c, 2, at(20, 9), ana, masaje, "Alba", "completed", "staff", at(18, 12))
    _book(c, 3, at(22, 12), ana, fisio, "Bruno", "no_show", "api", at(10, 10))
    late = _book(c, 4, at(23, 9), ana, fisio, "Carla", "cancelled", "staff", at(1, 10))
    _cancelled_at(late, at(23, 8))
    _book(c, 5, at(25, 4), ana, masaje, "Bruno", "confirmed", "public", at(1, 9, month=9), 90)
    _book(c, 6, at(19, 11), luis, fisio, "Carla", "completed", "staff", at(15, 10))
    early = _book(c, 7, at(20, 10), luis, masaje, "Carla", "cancelled", "staff", at(14, 10))
    _cancelled_at(early, at(15, 10))
    _book(c, 8, at(1, 10, month=9), luis, fisio, "Bruno", "completed", "staff", at(1, 9, month=8))
    _book(c, 9, at(10, 10, month=9), luis, fisio, "Dani", "no_show", "staff", at(1, 9, month=9))
    # Another practice's appointment in the same week counts nowhere.
    AppointmentFactory(start=at(19, 10), status="completed")
    return c
