"""Scratch benchmark for the pure availability engine (no Django needed).

Run from the project root: .venv/bin/python -m bench.bench_engine_only
"""

import random
import statistics
import timeit
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from citas.scheduling.availability import Interval, SlotRequest, WorkingRange, free_slots

MADRID = ZoneInfo("Europe/Madrid")
FIRST_DAY = date(2026, 3, 16)  # includes the 2026-03-29 DST switch


def busy_intervals(count: int, days: int, rng: random.Random) -> list[Interval]:
    """Appointments of 30-90 minutes inside working hours, spread over `days` days."""
    intervals = []
    for _ in range(count):
        day = FIRST_DAY + timedelta(days=rng.randrange(days))
        start = datetime.combine(day, time(9), tzinfo=MADRID) + timedelta(
            minutes=15 * rng.randrange(32)
        )
        intervals.append(Interval(start, start + timedelta(minutes=rng.choice((30, 45, 60, 90)))))
    return intervals


def main() -> None:
    rng = random.Random(20260316)
    req = SlotRequest(
        tz=MADRID,
        first_day=FIRST_DAY,
        last_day=FIRST_DAY + timedelta(days=29),
        working=[WorkingRange(weekday, 9 * 60, 18 * 60) for weekday in range(5)],
        time_off=[],
        busy=busy_intervals(500, 60, rng),
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        now=datetime(2026, 3, 16, 7, tzinfo=UTC),
    )
    slots = free_slots(req)
    runs = timeit.repeat(lambda: free_slots(req), number=1, repeat=2000)
    print(f"days={len(slots)} slots={sum(map(len, slots.values()))} busy={len(req.busy)}")
    print(f"median {statistics.median(runs) * 1000:.3f} ms, min {min(runs) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
