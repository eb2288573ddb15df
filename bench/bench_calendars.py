"""External calendars: the cost of reading a feed of 2,000 events (a busy professional's
year: weekly recurring events with exceptions plus one-off events), parse + expand over a
90-day booking horizon, and the peak memory it takes. Pure computation, no database.

    python -m bench.bench_calendars
"""

import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

RUNS = 7
EVENTS = 2000
MADRID = ZoneInfo("Europe/Madrid")


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


def main() -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from citas.calendars.expand import busy_periods

    body = feed()
    start = datetime(2027, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=91)
    busy_periods(body, tz=MADRID, start=start, end=end)  # warm-up
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        periods = busy_periods(body, tz=MADRID, start=start, end=end)
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    busy_periods(body, tz=MADRID, start=start, end=end)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"external calendar feed: {EVENTS} events ({len(body) / 1024:.0f} KiB) → "
        f"{len(periods)} busy periods in a 91-day window; parse + expand median "
        f"{statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms, {RUNS} runs); "
        f"peak memory {peak / 1024 / 1024:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
