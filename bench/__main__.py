"""`make bench`: availability speed on a realistic agenda, in a throwaway database.

Seeds one practice with one professional (Mon–Fri 09:00–18:00), a 30-minute service and 500
appointments over the next 60 days, then times, over the next 30 days:
  (a) the pure engine `free_slots` alone,
  (b) the public JSON endpoint through Django's test client (queries + engine + JSON), with
      the slot cache cleared before each call, and again with the slots cached,
  (c) a view returning constant JSON through the same client (the framework's own cost).
The cases take turns (interleaved), each timing a batch of calls of about the same length (so
a loaded machine preempts short and long cases alike), and each limit compares a case with the
constant view of the same round, never with an absolute time: fails (exit 1) when the median
per-round ratio (a)/(c) > 10 or (b)/(c) > 30. Uses DATABASE_URL when set (PostgreSQL).
"""

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bench.harness import in_test_database

REPEAT = 30
WARMUP = 3
# Each timing runs its case enough times in a row to last about this long: a case of 0.5 ms
# and one of 80 ms are then both preempted as often on a loaded machine, so their ratio holds.
BATCH_MS = 40.0
ENGINE_FACTOR = 10  # (a) free_slots ≤ 10 × (c) the constant view
ENDPOINT_FACTOR = 30  # (b) the endpoint, cold ≤ 30 × (c)


def measure_interleaved(
    cases: dict[str, Callable[[], object]], *, reference: str | None = None
) -> dict[str, tuple[float, float]]:
    """Median and p95 (ms per call) of REPEAT timings of each case, the cases taking turns
    round after round, each timing a batch of calls lasting about BATCH_MS. With `reference`,
    also "<case>/<reference>": the median over rounds of each round's ratio (cases compared
    with what ran next to them, never with an absolute time)."""
    batch = {}
    for name, function in cases.items():
        started = time.perf_counter()
        for _ in range(WARMUP):
            function()
        each = (time.perf_counter() - started) * 1000 / WARMUP
        batch[name] = max(1, min(1000, round(BATCH_MS / max(each, 1e-3))))
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(REPEAT):
        for name, function in cases.items():
            started = time.perf_counter()
            for _ in range(batch[name]):
                function()
            runs[name].append((time.perf_counter() - started) * 1000 / batch[name])
    result = {}
    if reference is not None:
        for name, times in runs.items():
            ratios = [t / r for t, r in zip(times, runs[reference], strict=True)]
            result[f"{name}/{reference}"] = statistics.median(ratios), max(ratios)
    for name, times in runs.items():
        times = sorted(times)
        result[name] = statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]
    return result


def seed():
    from citas.booking.models import Appointment, Client
    from citas.catalog.models import Service
    from citas.practices.models import Practice, Professional
    from citas.scheduling.models import WorkingHours
    from citas.scheduling.selectors import policy_for

    practice = Practice.objects.create(name="Bench", slug="bench", timezone="Europe/Madrid")
    professional = Professional.objects.create(practice=practice, display_name="Bench")
    WorkingHours.objects.bulk_create(
        WorkingHours(
            practice=practice,
            professional=professional,
            weekday=weekday,
            start_time=clock(9),
            end_time=clock(18),
        )
        for weekday in range(5)
    )
    service = Service.objects.create(practice=practice, name="Sesión", duration_minutes=30)
    service.professionals.add(professional)
    policy_for(practice)
    client = Client.objects.create(practice=practice, full_name="Cliente", email="c@example.com")

    # Free slots = the half-hour grid of working hours; 500 of them, at random, are booked.
    tz = ZoneInfo(practice.timezone)
    today = datetime.now(tz).date()
    grid = [
        datetime.combine(today + timedelta(days=day), clock(9), tzinfo=tz)
        + timedelta(minutes=30 * k)
        for day in range(1, 61)
        if (today + timedelta(days=day)).weekday() < 5
        for k in range(18)
    ]
    starts = random.Random(2026).sample(grid, 500)
    Appointment.objects.bulk_create(
        Appointment(
            practice=practice,
            professional=professional,
            service=service,
            client=client,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_start=start,
            blocked_end=start + timedelta(minutes=30),
            status="confirmed",
            price=service.price,
        )
        for start in starts
    )
    return practice, professional, service


def run() -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from citas.booking.models import Appointment
    from citas.scheduling.availability import Interval, SlotRequest, WorkingRange, free_slots

    practice, professional, service = seed()
    tz = ZoneInfo(practice.timezone)
    now = timezone.now()
    first_day = now.astimezone(tz).date()
    last_day = first_day + timedelta(days=29)

    request = SlotRequest(
        tz=tz,
        first_day=first_day,
        last_day=last_day,
        working=[WorkingRange(weekday, 9 * 60, 18 * 60) for weekday in range(5)],
        time_off=[],
        busy=[
            Interval(start, end)
            for start, end in Appointment.objects.values_list("blocked_start", "blocked_end")
        ],
        duration=timedelta(minutes=30),
        step=timedelta(minutes=15),
        now=now,
        min_notice=timedelta(minutes=120),
        horizon=timedelta(days=90),
    )

    client = Client()
    query = {
        "service": service.pk,
        "professional": "any",
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
    }
    with override_settings(ROOT_URLCONF="bench.urls", SECURE_SSL_REDIRECT=False):
        path = f"/r/{practice.slug}/disponibilidad/"
        response = client.get(path, query)
        assert response.status_code == 200, response.content
        slots = sum(len(day) for day in response.json()["days"].values())

        def cold():
            cache.clear()  # no cached slots: the queries and the engine, every time
            return client.get(path, query)

        results = measure_interleaved(
            {
                "engine": lambda: free_slots(request),
                "cold": cold,
                "warm": lambda: client.get(path, query),
                "constant": lambda: client.get("/bench/constant/"),
            },
            reference="constant",
        )
    engine_ms, engine_p95 = results["engine"]
    endpoint_ms, endpoint_p95 = results["cold"]
    warm_ms, warm_p95 = results["warm"]
    constant_ms, constant_p95 = results["constant"]

    ratio = results["cold/constant"][0]
    engine_ratio = results["engine/constant"][0]
    print(f"database: {connection.vendor}; 500 appointments over 60 days; {slots} free slots")
    for label, median, p95 in (
        ("(a) free_slots, 30 days", engine_ms, engine_p95),
        ("(b) JSON endpoint, 30 days", endpoint_ms, endpoint_p95),
        ("(b) same, cached slots", warm_ms, warm_p95),
        ("(c) constant JSON view", constant_ms, constant_p95),
    ):
        print(f"{label:<30} median {median:7.3f} ms   p95 {p95:7.3f} ms")
    print(
        f"per round, median: (a)/(c) = {engine_ratio:.1f}× (limit {ENGINE_FACTOR}×), "
        f"(b)/(c) = {ratio:.1f}× (limit {ENDPOINT_FACTOR}×), "
        f"cached (b)/(c) = {results['warm/constant'][0]:.1f}×"
    )
    failed = []
    if engine_ratio > ENGINE_FACTOR:
        failed.append(f"free_slots is {engine_ratio:.1f}× the constant view (> {ENGINE_FACTOR}×)")
    if ratio > ENDPOINT_FACTOR:
        failed.append(f"endpoint is {ratio:.1f}× the constant view (> {ENDPOINT_FACTOR}×)")
    for reason in failed:
        print(f"FAIL: {reason}", file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    return in_test_database(run)


if __name__ == "__main__":
    sys.exit(main())
