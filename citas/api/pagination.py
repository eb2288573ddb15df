from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 100


class StartCursorPagination(CursorPagination):
    """Keyset pagination over (start, id): stable while appointments are added."""

    ordering = ("start", "id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {"page_size": [_("Give a whole number from 1 to %d.") % MAX_PAGE_SIZE]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [_("This cursor is not valid.")]}) from None


class NameCursorPagination(StartCursorPagination):
    ordering = ("full_name", "id")


class CreatedCursorPagination(StartCursorPagination):
    ordering = ("created_at", "id")


class NewestDueCursorPagination(StartCursorPagination):
    """A delivery log: newest first."""

    ordering = ("-due_at", "-id")
