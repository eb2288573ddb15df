"""Time off as background events of the staff agenda (@event-calendar's event objects)."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from citas.practices.models import Practice

from .models import TimeOff
from .selectors import time_off_between

TIME_OFF_COLOR = "rgba(108, 117, 125, 0.22)"  # Bootstrap grey, translucent: text stays readable


def _wall_clock(moment: datetime, tz: ZoneInfo) -> str:
    # The agenda shows the practice's wall-clock time as given, in any browser.
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


def time_off_event(row: TimeOff, *, tz: ZoneInfo, professional_ids: Sequence[int]) -> dict:
    title = str(row.get_reason_display())
    if row.note:
        title = f"{title} · {row.note}"
    if row.professional is not None:
        title = f"{title} · {row.professional.display_name}"
    event = {
        "id": f"time-off-{row.pk}",
        "start": _wall_clock(row.start, tz),
        "end": _wall_clock(row.end, tz),
        "title": title,
        "display": "background",
        "backgroundColor": TIME_OFF_COLOR,
        "classNames": ["time-off", f"time-off-{row.reason}"],
        "editable": False,
        "extendedProps": {"timeOff": True, "reason": row.reason},
    }
    # A practice-wide absence shades every professional's column in the team views.
    resource_ids = [row.professional_id] if row.professional_id else list(professional_ids)
    if resource_ids:
        event["resourceIds"] = resource_ids
    return event


def time_off_events(
    *,
    practice: Practice,
    start: datetime,
    end: datetime,
    professional_ids: Sequence[int],
    tz: ZoneInfo,
) -> list[dict]:
    rows = time_off_between(
        practice=practice, start=start, end=end, professional_ids=professional_ids
    )
    return [time_off_event(row, tz=tz, professional_ids=professional_ids) for row in rows]
