"""The daylight-saving changes of a zone, found with zoneinfo (never hard-coded to a year)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DST_ZONES = ["Europe/Madrid", "Atlantic/Canary", "America/Santiago", "Australia/Lord_Howe"]
YEARS = [2027, 2028]


@dataclass(frozen=True)
class ClockChange:
    tz: ZoneInfo
    instant: datetime  # UTC
    before: timedelta  # UTC offset until the change
    after: timedelta

    @property
    def day(self) -> date:
        """The local day of the change (the day the clocks jump or repeat)."""
        return self.instant.astimezone(self.tz).date()

    @property
    def forward(self) -> bool:
        return self.after > self.before


def clock_changes(zone: str, year: int) -> list[ClockChange]:
    """Every offset change of `zone` during `year`, to the minute, in order."""
    tz = ZoneInfo(zone)
    changes = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = instant.astimezone(tz).utcoffset()
    while instant < end:
        following = instant + timedelta(hours=1)
        if following.astimezone(tz).utcoffset() != offset:
            while instant.astimezone(tz).utcoffset() == offset:
                instant += timedelta(minutes=1)
            after = instant.astimezone(tz).utcoffset()
            changes.append(ClockChange(tz, instant, offset, after))
            offset = after
            following = instant
        instant = following
    return changes


def spring_change(zone: str, year: int) -> ClockChange:
    return next(change for change in clock_changes(zone, year) if change.forward)


def autumn_change(zone: str, year: int) -> ClockChange:
    return next(change for change in clock_changes(zone, year) if not change.forward)
