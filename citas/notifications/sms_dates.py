"""The dates of several appointments in as few characters as a text message allows:
"5, 12 y 19 mar 10:00", "19 y 26 feb, 5 mar 10:00", or "5 mar 10:00 y 12 mar 11:30" when
the times differ; past `MAX_LENGTH`, only the first and the last ("del 5 mar al 21 may")."""

from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

# The dates' share of a 160-character message: the practice, the service and the link take
# the rest.
MAX_LENGTH = 60


def _days_of_month(days: list[datetime]) -> str:
    # Translators: day numbers of one month, then the month's short name: "5, 12 y 19 mar".
    return _("%(days)s %(month)s") % {
        "days": get_text_list([str(day.day) for day in days], _("and")),
        "month": date_format(days[0], "b"),
    }


def _day(day: datetime) -> str:
    return _days_of_month([day])


def short_dates(starts: list[datetime], tz: str) -> str:
    """In the active language."""
    local = sorted(start.astimezone(ZoneInfo(tz)) for start in starts)
    times = {date_format(start, "H:i") for start in local}
    if len(times) == 1:
        months = [list(days) for _key, days in groupby(local, lambda d: (d.year, d.month))]
        # Each month's days joined ("5, 12 y 19 mar"), the months by commas.
        # Translators: dates, then the time they share: "5, 12 y 19 mar 10:00".
        dates = _("%(dates)s %(time)s") % {
            "dates": ", ".join(_days_of_month(days) for days in months),
            "time": times.pop(),
        }
    else:
        dates = get_text_list(
            [_("%(dates)s %(time)s") % {"dates": _day(d), "time": f"{d:%H:%M}"} for d in local],
            _("and"),
        )
    if len(dates) <= MAX_LENGTH:
        return dates
    # Translators: the first and last of many dates in a text message: "del 5 mar al 21 may".
    return _("from %(first)s to %(last)s") % {"first": _day(local[0]), "last": _day(local[-1])}
