"""The one shape every figure takes: a titled table of typed columns.

Selectors build tables; the page, the charts, the CSV and Excel files and the API only format
them, so the five always show the same numbers.
"""

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo


class Kind:
    TEXT = "text"
    DATE = "date"  # a local date (a week is its Monday)
    COUNT = "count"
    RATIO = "ratio"  # 0..1, shown as a percentage
    HOURS = "hours"
    EUR = "eur"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = Kind.TEXT


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)

    def as_dicts(self) -> list[dict]:
        keys = [column.key for column in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Period:
    """Local days first..last (inclusive) in the practice's time zone, with optional filters."""

    first: date
    last: date
    tz: ZoneInfo
    professional_id: int | None = None
    service_id: int | None = None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
