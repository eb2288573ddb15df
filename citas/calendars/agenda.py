"""Busy periods of the professionals' own calendars as background events of the agenda."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .selectors import practice_busy_between

BUSY_COLOR = "rgba(13, 110, 253, 0.14)"  # Bootstrap blue, translucent: told apart from time off


def _wall_clock(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


def external_busy_events(
    *, practice, start: datetime, end: datetime, professional_ids: Sequence[int], tz: ZoneInfo
) -> list[dict]:
    busy = _("Busy")
    events = []
    for row in practice_busy_between(
        practice=practice, professional_ids=professional_ids, start=start, end=end
    ):
        title = row.title if row.calendar.share_titles and row.title else busy
        events.append(
            {
                "id": f"external-{row.pk}",
                "start": _wall_clock(row.start, tz),
                "end": _wall_clock(row.end, tz),
                "title": title,
                "display": "background",
                "backgroundColor": BUSY_COLOR,
                "classNames": ["external-busy"],
                "editable": False,
                "resourceIds": [row.professional_id],
                "extendedProps": {"externalBusy": True},
            }
        )
    return events
