"""External calendars: the cost of reading a feed of 2,000 events (a busy professional's
year: weekly recurring events with exceptions plus one-off events).

1. Parse + expand over a 90-day booking horizon, and its peak memory: pure computation.
2. The whole sync as the worker runs it (external_calendar_sync in a throwaway test database,
   the feed served by an HTTP server on loopback): a changed feed (fetch, parse, expand, replace
   the stored busy periods) and an unchanged one (304 Not Modified), with the number of queries
   and the peak memory. Uses DATABASE_URL when set (PostgreSQL).

    python -m bench.bench_calendars
"""

import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.harness import in_test_database

RUNS = 7
EVENTS = 2000
MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2027, 3, 1, tzinfo=UTC)


def ports() -> range:
    """Where the feed may be served: BENCH_PORTS=9700-9799 keeps it in that range; else any
    free port."""
    low, _dash, high = os.environ.get("BENCH_PORTS", "0").partition("-")
    return range(int(low), int(high or low) + 1)


def feed(events: int = EVENTS) -> bytes:
    """200 weekly recurring series (each with an EXDATE and a moved occurrence) and one-off
    events, with TZID=Europe/Madrid local times and UTC ones."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//bench//EN"]
    first = datetime(2027, 1, 4, 8, tzinfo=MADRID)  # written as local wall-clock times
    recurring = events // 10
    for n in range(recurring):
        start = first + timedelta(days=n % 5, minutes=30 * (n % 20))
        stamp = start.strftime("%Y%m%dT%H%M%S")
        skipped = (start + timedelta(weeks=3)).strftime("%Y%m%dT%H%M%S")
        moved = (start + timedelta(weeks=5)).strftime("%Y%m%dT%H%M%S")
        moved_to = (start + timedelta(weeks=5, hours=1)).strftime("%Y%m%dT%H%M%S")
        lines += [
            "BEGIN:VEVENT",
            f"UID:series-{n}",
            "DTSTAMP:20270101T000000Z",
            f"DTSTART;TZID=Europe/Madrid:{stamp}",
            "DURATION:PT30M",
            "RRULE:FREQ=WEEKLY;COUNT=52",
            f"EXDATE;TZID=Europe/Madrid:{skipped}",
            "SUMMARY:Serie",
            "END:VEVENT",
            "BEGIN:VEVENT",
            f"UID:series-{n}",
            "DTSTAMP:20270101T000000Z",
            f"RECURRENCE-ID;TZID=Europe/Madrid:{moved}",
            f"DTSTART;TZID=Europe/Madrid:{moved_to}",
            "DURATION:PT30M",
            "SUMMARY:Serie movida",
            "END:VEVENT",
        ]
    for n in range(events - 2 * recurring):
        start = first + timedelta(hours=7 * n)
        lines += [
            "BEGIN:VEVENT",
            f"UID:one-{n}",
            "DTSTAMP:20270101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%S}Z",
            f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%S}Z",
            "SUMMARY:Evento",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def parse_and_expand() -> None:
    from citas.calendars.expand import busy_periods

    body = feed()
    end = START + timedelta(days=91)
    busy_periods(body, tz=MADRID, start=START, end=end)  # warm-up
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        periods = busy_periods(body, tz=MADRID, start=START, end=end)
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    busy_periods(body, tz=MADRID, start=START, end=end)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"external calendar feed: {EVENTS} events ({len(body) / 1024:.0f} KiB) → "
        f"{len(periods)} busy periods in a 91-day window; parse + expand median "
        f"{statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms, {RUNS} runs); "
        f"peak memory {peak / 1024 / 1024:.1f} MiB"
    )


def serve_feed(body: bytes):
    """The feed on 127.0.0.1 with an ETag, as a calendar provider serves it."""
    from citas.calendars.tests.server import CalendarServer

    for port in ports():
        try:
            server = CalendarServer(port)
        except OSError:  # taken: the next one
            continue
        server.serve("/feed.ics", body, etag='"v1"')
        return server
    raise OSError(f"no free port in {ports()}")


def whole_sync() -> int:
    from django.conf import settings

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True  # plain http on loopback
    with serve_feed(feed()) as server:
        return sync_from(server)


def sync_from(server) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from citas.calendars.models import ExternalBusy, ExternalCalendar
    from citas.calendars.services import external_calendar_sync
    from citas.practices.models import Practice, Professional

    practice = Practice.objects.create(name="Bench", slug="bench", timezone="Europe/Madrid")
    professional = Professional.objects.create(practice=practice, display_name="Bench")
    calendar = ExternalCalendar.objects.create(
        practice=practice,
        professional=professional,
        name="Bench",
        url=f"{server.base}/feed.ics",
    )
    changed = ExternalCalendar.objects.filter(pk=calendar.pk)

    def sync(*, as_changed: bool) -> tuple[float, int, int]:
        if as_changed:  # as if the file had changed since the last sync
            changed.update(etag="", content_hash="", synced_at=None)
        row = ExternalCalendar.objects.select_related("practice").get(pk=calendar.pk)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            outcome = external_calendar_sync(calendar=row, now=START)
            took = time.perf_counter() - began
        assert outcome.changed == as_changed and not outcome.problem, outcome
        return took, len(queries), outcome.busy_count

    sync(as_changed=True)  # warm-up
    for name, as_changed in (("changed feed", True), ("unchanged feed (304)", False)):
        runs = [sync(as_changed=as_changed) for _ in range(RUNS)]
        times = [took for took, _queries, _count in runs]
        tracemalloc.start()
        sync(as_changed=as_changed)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"external calendar sync, {name} ({connection.vendor}): median "
            f"{statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms, "
            f"{RUNS} runs); {runs[0][1]} queries; {runs[0][2]} busy periods stored "
            f"({ExternalBusy.objects.count()} rows); peak memory {peak / 1024 / 1024:.1f} MiB"
        )
    return 0


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    parse_and_expand()
    return in_test_database(whole_sync)


if __name__ == "__main__":
    sys.exit(main())
