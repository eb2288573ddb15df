"""`python -m bench.bench_staff`: the staff pages with 5,000 and with 200,000 appointments.

One practice (ten professionals, Mon–Fri 09:00–18:00, 5,000 clients) and two appointment
tables: the usual one holds 200,000 appointments over about four years, a copy in the schema
`small` holds the last 5,000 of the same grid (about five weeks). Both end two weeks after
today, so today, this week and the list tabs hold the same appointments in both. Each round
times every page against each table in turn (the connection's search_path picks the table,
set outside the timing), so both sizes share the machine's noise; it prints the median per
page and size and the ratio 200k ÷ 5k, which should stay near 1 (an index range, whatever the
history). Pages, as the practice's owner through Django's test client:
  the agenda page, its feed for this week (Monday to Monday; built from the rows, and from
  the agenda cache, which is emptied whenever the size changes), the staff list's past and
  upcoming tabs, the client list, and a constant JSON view (the floor); outside Django's test
  environment (its template instrumentation would add a copied context per rendered template).
Needs PostgreSQL (DATABASE_URL); exits 1 when a list's ratio is over RATIO_LIMIT.
"""

import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta

from bench.__main__ import BATCH_MS, REPEAT, WARMUP
from bench.bench_reports import load_average
from bench.harness import in_test_database

SMALL, LARGE = 5_000, 200_000
FUTURE_DAYS = 14
RATIO_LIMIT = 1.5  # the lists only: a list must not grow with the history
LISTS = ("staff list, past tab", "staff list, upcoming tab", "client list")
SIZES = {"5k": "small, public", "200k": "public"}


_search_path = {"now": SIZES["200k"]}


def _use(search_path: str) -> None:
    """Point the connection at one size's table (a new connection too: see `run`)."""
    from django.core.cache import caches
    from django.db import connection

    _search_path["now"] = search_path
    _set_search_path(sender=None, connection=connection)
    caches["agenda"].clear()  # what was cached was read from the other table


def _set_search_path(sender, connection, **kwargs) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET search_path TO {_search_path['now']}")


def measure_sizes(
    cases: dict[str, Callable[[], object]],
) -> dict[tuple[str, str], list[float]]:
    """Per (case, size), REPEAT timings (ms per call) of a batch of calls lasting about
    BATCH_MS, every case at every size taking turns round after round."""
    batch = {}
    for size, search_path in SIZES.items():
        _use(search_path)
        for name, function in cases.items():
            started = time.perf_counter()
            for _ in range(WARMUP):
                function()
            each = (time.perf_counter() - started) * 1000 / WARMUP
            batch[name, size] = max(1, min(200, round(BATCH_MS / max(each, 1e-3))))
    runs: dict[tuple[str, str], list[float]] = {key: [] for key in batch}
    for _ in range(REPEAT):
        for name, function in cases.items():
            for size, search_path in SIZES.items():
                _use(search_path)
                started = time.perf_counter()
                for _ in range(batch[name, size]):
                    function()
                runs[name, size].append((time.perf_counter() - started) * 1000 / batch[name, size])
    return runs


def seed():
    from django.db import connection
    from django.utils import timezone

    from bench.history import insert_appointments, seed_history
    from citas.core.factories import MembershipFactory
    from citas.practices.models import Role

    today = timezone.localdate()
    history = seed_history(slug="consulta", count=0, today=today)
    owner = MembershipFactory(practice=history.practice, role=Role.OWNER)
    insert_appointments(history, count=LARGE, today=today, future_days=FUTURE_DAYS)
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA small")
        cursor.execute(
            "CREATE TABLE small.booking_appointment (LIKE public.booking_appointment INCLUDING ALL)"
        )
    _use(SIZES["5k"])
    insert_appointments(history, count=SMALL, today=today, future_days=FUTURE_DAYS)
    _use(SIZES["200k"])
    with connection.cursor() as cursor:
        # What autovacuum would soon do: statistics and the visibility map (index-only scans).
        cursor.execute("VACUUM ANALYZE public.booking_appointment")
        cursor.execute("VACUUM ANALYZE small.booking_appointment")
    return history, owner, today


def _built(client, path, params):
    """The feed built from the rows: its cache emptied first (agenda_cache)."""
    from django.core.cache import caches

    caches["agenda"].clear()
    return client.get(path, params)


def run() -> int:
    from django.conf import settings
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client
    from django.test.utils import (
        override_settings,
        setup_test_environment,
        teardown_test_environment,
    )

    from citas.booking.models import Appointment

    if connection.vendor != "postgresql":
        print("bench_staff: needs PostgreSQL (DATABASE_URL); skipped")
        return 0
    # A connection replaced between requests (CONN_MAX_AGE) keeps the size being measured.
    connection_created.connect(_set_search_path)
    started = time.perf_counter()
    history, owner, today = seed()
    seeded = time.perf_counter() - started
    for size, count in (("5k", SMALL), ("200k", LARGE)):
        _use(SIZES[size])
        assert Appointment.objects.filter(practice=history.practice).count() == count, size
    monday = today - timedelta(days=today.weekday())
    week = {"start": f"{monday}T00:00", "end": f"{monday + timedelta(days=7)}T00:00"}
    client = Client()
    client.force_login(owner.user)
    pages = {
        "agenda page": ("/app/agenda/", {}),
        "agenda feed, this week": ("/app/agenda/eventos/", week),
        "agenda feed, cached": ("/app/agenda/eventos/", week),
        "staff list, past tab": ("/app/citas/", {"tab": "past"}),
        "staff list, upcoming tab": ("/app/citas/", {"tab": "upcoming"}),
        "client list": ("/app/clientes/", {}),
        "constant JSON view": ("/bench/constant/", {}),
    }
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Django's test environment hands the test client a copy of every template context it
    # renders (about 13 ms of a staff list page); production renders without it.
    teardown_test_environment()
    try:
        with override_settings(
            ROOT_URLCONF="bench.urls",
            SECURE_SSL_REDIRECT=False,
            STORAGES=storages,
            ALLOWED_HOSTS=["testserver"],
        ):
            for size, search_path in SIZES.items():
                _use(search_path)
                for name, (path, params) in pages.items():
                    response = client.get(path, params)
                    assert response.status_code == 200, (name, size, response.status_code)
            load_before = load_average()
            cases = {
                name: lambda path=path, params=params: client.get(path, params)
                for name, (path, params) in pages.items()
            }
            cases["agenda feed, this week"] = lambda: _built(
                client, *pages["agenda feed, this week"]
            )
            runs = measure_sizes(cases)
            load_after = load_average()
    finally:
        setup_test_environment()

    print(
        f"database: {connection.vendor}; {SMALL:,} and {LARGE:,} appointments, 10 professionals "
        f"(seeded in {seeded:.0f} s); load average {load_before} before, {load_after} after"
    )
    failed = []
    for name in pages:
        small = statistics.median(runs[name, "5k"])
        large = statistics.median(runs[name, "200k"])
        # The ratio of each round's pair (run next to each other), then the median.
        ratio = statistics.median(
            b / a for a, b in zip(runs[name, "5k"], runs[name, "200k"], strict=True)
        )
        print(f"{name:<26} 5k {small:8.2f} ms   200k {large:8.2f} ms   200k/5k {ratio:5.2f}×")
        if name in LISTS and ratio > RATIO_LIMIT:
            failed.append(f"{name}: 200k/5k {ratio:.2f}× > {RATIO_LIMIT}×")
    for reason in failed:
        print(f"FAIL: {reason} (load average {load_after})", file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    return in_test_database(run)


if __name__ == "__main__":
    sys.exit(main())
