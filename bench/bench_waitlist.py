"""`python -m bench.bench_waitlist`: the cost of offering a freed time to the waiting list.

Seeds one practice (one professional, Mon–Fri 09:00–18:00, three services, the 60-minute one
blocked after the freed time) and WAITING open entries spread over the next 30 days, then
times `waitlist_offer_freed_slot` for a freed 30 minutes on a day that WAITING entries cover:
  (a) typical: the oldest entries fit, three are offered (3 offers, emails written);
  (b) worst: no entry can take the time (all ask for the 60-minute service), so every one of
      the WAITING entries is read and none offered.
Each run is rolled back, so every run sees the same list. Prints the median, p95 and the number
of queries. Uses DATABASE_URL when set (PostgreSQL).

Then the price of finding what a schedule change frees (scheduling.changes.schedule_change: the
schedule read before and after, compared, inside the writing transaction; the offers themselves
run after the commit, timed above): `time_off_delete` of one afternoon among 50 time-off rows,
with the 1,000 entries waiting and with nobody waiting (no schedule read at all).
"""

import random
import sys
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bench.__main__ import measure_interleaved
from bench.harness import in_test_database

WAITING = 1000
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
FREED = datetime(2026, 12, 9, 10, tzinfo=MADRID)  # a Wednesday


def seed(*, fitting: bool, slug: str = ""):
    from citas.booking.models import Appointment, Client, WaitlistEntry
    from citas.catalog.models import Service
    from citas.practices.models import Practice, Professional
    from citas.scheduling.models import WorkingHours

    slug = slug or ("bench-fit" if fitting else "bench-none")
    practice = Practice.objects.create(name=slug, slug=slug, timezone="Europe/Madrid")
    professional = Professional.objects.create(practice=practice, display_name="Bench")
    WorkingHours.objects.bulk_create(
        WorkingHours(
            practice=practice,
            professional=professional,
            weekday=d,
            start_time=clock(9),
            end_time=clock(18),
        )
        for d in range(5)
    )
    services = [
        Service.objects.create(practice=practice, name=f"S{minutes}", duration_minutes=minutes)
        for minutes in (30, 45, 60)
    ]
    for service in services:
        service.professionals.add(professional)
    client = Client.objects.create(practice=practice, full_name="Busy", email="busy@example.com")
    # 10:30 is taken: the 60-minute service cannot start at 10:00.
    Appointment.objects.create(
        practice=practice,
        professional=professional,
        service=services[0],
        price=services[0].price,
        client=client,
        start=FREED + timedelta(minutes=30),
        end=FREED + timedelta(minutes=60),
        blocked_start=FREED + timedelta(minutes=30),
        blocked_end=FREED + timedelta(minutes=60),
        status="confirmed",
    )
    rng = random.Random(16)
    entries = []
    for n in range(WAITING):
        first = date(2026, 12, 1) + timedelta(days=rng.randrange(0, 8))
        entries.append(
            WaitlistEntry(
                practice=practice,
                service=rng.choice(services[:2]) if fitting else services[2],
                professional=rng.choice([None, professional]),
                full_name=f"Persona {n}",
                email=f"p{n}@example.com",
                first_day=first,
                last_day=first + timedelta(days=rng.randrange(8, 22)),
                part_of_day=rng.choice(["any", "morning"]),
            )
        )
    WaitlistEntry.objects.bulk_create(entries)
    return practice, professional


def run() -> int:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from citas.booking.waitlist import waitlist_offer_freed_slot

    for label, fitting, expected in (("typical (3 offered)", True, 3), ("worst (none)", False, 0)):
        practice, professional = seed(fitting=fitting)

        def offer(practice=practice, professional=professional):
            with transaction.atomic():
                offered = waitlist_offer_freed_slot(
                    practice=practice,
                    professional=professional,
                    start=FREED,
                    end=FREED + timedelta(minutes=30),
                    now=NOW,
                )
                transaction.set_rollback(True)
            return offered

        with CaptureQueriesContext(connection) as queries:
            offered = offer()
        if len(offered) != expected:
            print(f"{label}: offered {len(offered)}, expected {expected}")
            return 1
        median, p95 = measure_interleaved({label: offer})[label]
        print(
            f"{label}: {WAITING} waiting entries, {connection.vendor}: median {median:.1f} ms, "
            f"p95 {p95:.1f} ms, {len(queries)} queries"
        )
    return 0


def _time_off_to_remove(slug: str, *, waiting: bool):
    from citas.booking.models import WaitlistEntry
    from citas.scheduling.models import TimeOff

    practice, professional = seed(fitting=True, slug=slug)
    if not waiting:
        WaitlistEntry.objects.filter(practice=practice).delete()
    TimeOff.objects.bulk_create(
        TimeOff(
            practice=practice,
            professional=professional if n % 2 else None,
            start=FREED + timedelta(days=n, hours=4),
            end=FREED + timedelta(days=n, hours=8),
        )
        for n in range(50)
    )
    return TimeOff.objects.filter(practice=practice).order_by("start").first().pk


def run_schedule_change() -> int:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from citas.scheduling.models import TimeOff
    from citas.scheduling.services import time_off_delete

    def removal(pk):
        def delete():
            with transaction.atomic():
                time_off_delete(time_off=TimeOff.objects.get(pk=pk))
                transaction.set_rollback(True)

        return delete

    cases = {
        "1,000 waiting": removal(_time_off_to_remove("bench-waiting", waiting=True)),
        "nobody waiting": removal(_time_off_to_remove("bench-nobody", waiting=False)),
    }
    counts = {}
    for label, case in cases.items():
        with CaptureQueriesContext(connection) as queries:
            case()
        counts[label] = len(queries)
    for label, (median, p95) in measure_interleaved(cases).items():
        print(
            f"time off removed, {label}, {connection.vendor}: median {median:.1f} ms, "
            f"p95 {p95:.1f} ms, {counts[label]} queries"
        )
    return 0


def main() -> int:
    return in_test_database(lambda: run() or run_schedule_change())


if __name__ == "__main__":
    sys.exit(main())
