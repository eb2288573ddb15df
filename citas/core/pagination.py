"""Pages without a total: counting every row of a growing history costs more than the page.

`peek_page` reads one row more than it shows, which says whether there is a next page.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class PeekPage(Sequence):
    object_list: list
    number: int
    has_next: bool

    def __getitem__(self, index):
        return self.object_list[index]

    def __len__(self) -> int:
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def peek_page(rows: QuerySet, per_page: int, number: str | None) -> PeekPage:
    """Page `number` (1 when missing or not a positive whole number) of `rows`."""
    page = int(number) if number and number.isascii() and number.isdigit() else 1
    page = max(page, 1)
    offset = (page - 1) * per_page
    found = list(rows[offset : offset + per_page + 1])
    return PeekPage(found[:per_page], page, len(found) > per_page)
