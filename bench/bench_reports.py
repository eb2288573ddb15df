"""`make bench`: the dashboard and a year's reports over 200,000 appointments.

Seeds one practice with ten professionals (Mon–Fri 09:00–18:00) and 200,000 quarter-hour
appointments over the last two years (and the next weeks), with every status, channel and
lead time, bulk inserted. Then times, as the practice's owner through Django's test client,
interleaved (one request of each kind per round, so that a burst of load on the shared machine
hits all of them alike):
  (a) the dashboard /app/,
  (b) each report of the last 365 days, as the reports page loads it (one request per report),
  (c) the reports page itself (the filter form and a placeholder per report),
  (d) a constant JSON view behind the same middleware (the floor).
The issue sets absolute limits: on PostgreSQL it fails (exit 1) when the median of (a) is over
100 ms or the median of any report (b) is over 300 ms. Prints the load average beside them: the
machine is shared, so read the numbers with it and with the ratios to (d).
Uses DATABASE_URL when set.
"""

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bench.harness import in_test_database

APPOINTMENTS = 200_000
PROFESSIONALS = 10
REPEAT = 11
WARMUP = 2
DASHBOARD_LIMIT_MS = 100.0
REPORTS_LIMIT_MS = 300.0


def measure(functions: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Median and p95 in milliseconds of REPEAT rounds, each round calling every function once."""
    for _ in range(WARMUP):
        for function in functions.values():
            function()
    runs: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(REPEAT):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            runs[name].append((time.perf_counter() - started) * 1000)
    return {name: _median_p95(sorted(times)) for name, times in runs.items()}


def _median_p95(runs: list[float]) -> tuple[float, float]:
    return statistics.median(runs), runs[max(0, round(0.95 * len(runs)) - 1)]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def seed():
    from django.db.models import F
    from django.db.models.functions import Mod

    from citas.booking.models import Appointment, AppointmentChannel, Client
    from citas.catalog.models import Service
    from citas.core.factories import MembershipFactory
    from citas.practices.models import Practice, Professional, Role
    from citas.scheduling.models import TimeOff, WorkingHours

    practice = Practice.objects.create(name="Bench", slug="bench", timezone="Europe/Madrid")
    tz = ZoneInfo(practice.timezone)
    owner = MembershipFactory(practice=practice, role=Role.OWNER)
    professionals = Professional.objects.bulk_create(
        Professional(practice=practice, display_name=f"Profesional {n}")
        for n in range(PROFESSIONALS)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            practice=practice,
            professional=professional,
            weekday=weekday,
            start_time=clock(9),
            end_time=clock(18),
        )
        for professional in professionals
        for weekday in range(5)
    )
    services = Service.objects.bulk_create(
        Service(practice=practice, name=f"Servicio {n}", duration_minutes=15, price=20 + 10 * n)
        for n in range(4)
    )
    clients = Client.objects.bulk_create(
        Client(practice=practice, full_name=f"Cliente {n}", email=f"c{n}@example.com")
        for n in range(3000)
    )
    today = datetime.now(tz).date()
    TimeOff.objects.bulk_create(
        TimeOff(
            practice=practice,
            professional=professionals[n % PROFESSIONALS] if n % 3 else None,
            start=datetime.combine(today - timedelta(days=20 * n), clock(), tzinfo=tz),
            end=datetime.combine(today - timedelta(days=20 * n - 1), clock(), tzinfo=tz),
        )
        for n in range(40)
    )

    # Quarter-hour slots of every weekday, newest first, until there are enough.
    per_day = 36 * PROFESSIONALS
    days = []
    day = today + timedelta(days=21)
    while len(days) * per_day < APPOINTMENTS:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    rng = random.Random(2026)
    now = datetime.now(tz)
    statuses = ["completed"] * 80 + ["no_show"] * 7 + ["cancelled"] * 13
    channels = list(AppointmentChannel.values)

    def rows():
        count = 0
        for day in days:
            for k in range(36):
                start = datetime.combine(day, clock(9), tzinfo=tz) + timedelta(minutes=15 * k)
                for professional in professionals:
                    if count == APPOINTMENTS:
                        return
                    count += 1
                    end = start + timedelta(minutes=15)
                    service = rng.choice(services)
                    yield Appointment(
                        practice=practice,
                        professional=professional,
                        service=service,
                        price=service.price,
                        client=rng.choice(clients),
                        start=start,
                        end=end,
                        blocked_start=start,
                        blocked_end=end,
                        status=rng.choice(statuses) if start < now else "confirmed",
                        channel=rng.choice(channels),
                    )

    Appointment.objects.bulk_create(rows(), batch_size=5000)
    for remainder, lead_days in enumerate((0, 1, 3, 6, 12, 25, 45)):
        Appointment.objects.annotate(bucket=Mod("id", 7)).filter(bucket=remainder).update(
            created_at=F("start") - timedelta(days=lead_days, hours=2)
        )
    return practice, owner, today


def run() -> int:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from citas.reports.reports import REPORTS

    started = time.perf_counter()
    practice, owner, today = seed()
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum keeps true of a practice's history: the rows' pages marked all
        # visible (reports read a year from the covering index alone) and fresh statistics.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(owner.user)
    year = {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}
    # HTML pages name their static files; no collectstatic manifest in a benchmark.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ROOT_URLCONF="bench.urls", SECURE_SSL_REDIRECT=False, STORAGES=storages):
        assert client.get("/app/").status_code == 200
        assert client.get("/app/informes/", year).status_code == 200
        for name in REPORTS:
            assert client.get(f"/app/informes/{name}/", year).status_code == 200
        load_before = load_average()
        times = measure(
            {
                "(a) dashboard /app/": lambda: client.get("/app/"),
                **{
                    f"(b) {name}": lambda name=name: client.get(f"/app/informes/{name}/", year)
                    for name in REPORTS
                },
                "(c) reports page": lambda: client.get("/app/informes/", year),
                "(d) constant JSON view": lambda: client.get("/bench/constant/"),
            }
        )
        load_after = load_average()

    print(
        f"database: {connection.vendor}; {APPOINTMENTS:,} appointments, "
        f"{PROFESSIONALS} professionals (seeded in {seeded:.0f} s); "
        f"load average {load_before} before, {load_after} after"
    )
    floor = times["(d) constant JSON view"][0]
    for label, (median, p95) in times.items():
        print(
            f"{label:<30} median {median:8.2f} ms   p95 {p95:8.2f} ms   {median / floor:6.1f}× (d)"
        )
    reports = {label: value for label, value in times.items() if label.startswith("(b)")}
    slowest = max(reports, key=lambda label: reports[label][0])
    all_nine = sum(median for median, _p95 in reports.values())
    dashboard = times["(a) dashboard /app/"][0]
    print(
        f"slowest report: {slowest} {reports[slowest][0]:.2f} ms; the nine one after another: "
        f"{all_nine:.2f} ms; limits on PostgreSQL: (a) {DASHBOARD_LIMIT_MS:.0f} ms, "
        f"each report {REPORTS_LIMIT_MS:.0f} ms"
    )
    failed = []
    if connection.vendor == "postgresql":
        if dashboard > DASHBOARD_LIMIT_MS:
            failed.append(f"dashboard median {dashboard:.1f} ms > {DASHBOARD_LIMIT_MS} ms")
        for label, (median, _p95) in reports.items():
            if median > REPORTS_LIMIT_MS:
                failed.append(f"{label} median {median:.1f} ms > {REPORTS_LIMIT_MS} ms")
    for reason in failed:
        print(f"FAIL: {reason} (load average {load_after})", file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    return in_test_database(run)


if __name__ == "__main__":
    sys.exit(main())
