"""Data the waiting list tests share: a Monday-morning clock, open entries, a freed time."""

from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from citas.booking.models import WaitlistEntry
from citas.booking.waitlist import waitlist_offer_freed_slot

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
THURSDAY = date(2026, 12, 3)
THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)

_numbers = count(1)


def waiting(s, *, first_day: date, last_day: date | None = None, **fields) -> WaitlistEntry:
    """An open entry of `s.practice` for `s.service` with anyone, any time of day."""
    n = next(_numbers)
    values = {
        "practice": s.practice,
        "service": s.service,
        "full_name": f"Persona {n}",
        "email": f"persona{n}@example.com",
        "first_day": first_day,
        "last_day": last_day or first_day,
        **fields,
    }
    return WaitlistEntry.objects.create(**values)


def free(s, start=THURSDAY_TEN, now=NOW) -> list[WaitlistEntry]:
    """Free 30 minutes of `s.professional` from `start`: the entries offered."""
    return waitlist_offer_freed_slot(
        practice=s.practice,
        professional=s.professional,
        start=start,
        end=start + timedelta(minutes=30),
        now=now,
    )


def offered_entry(s, **fields) -> WaitlistEntry:
    """An entry that has just been offered Thursday at 10:00."""
    entry = waiting(s, first_day=THURSDAY, **fields)
    free(s)
    entry.refresh_from_db()
    return entry
