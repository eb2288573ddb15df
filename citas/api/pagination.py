from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from .exceptions import InvalidCursor

MAX_PAGE_SIZE = 100
MAX_POSITION_LENGTH = 200


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

    def paginate_queryset(self, queryset, request, view=None):
        self.position_field = queryset.model._meta.get_field(self.ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's cursor, with its position checked against the ordering field: a tampered
        value is a 400 `invalid_cursor`, never a database error."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor from None
        if cursor is not None and cursor.position is not None:
            position = cursor.position
            if len(position) > MAX_POSITION_LENGTH or "\x00" in position:
                raise InvalidCursor
            try:
                value = self.position_field.to_python(position)
            except (DjangoValidationError, ValueError, OverflowError):
                raise InvalidCursor from None
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise InvalidCursor
        return cursor


class NameCursorPagination(StartCursorPagination):
    ordering = ("full_name", "id")


class CreatedCursorPagination(StartCursorPagination):
    ordering = ("created_at", "id")


class NewestCreatedCursorPagination(StartCursorPagination):
    """A history (a client's consents): newest first."""

    ordering = ("-created_at", "-id")


class NewestDueCursorPagination(StartCursorPagination):
    """A delivery log: newest first."""

    ordering = ("-due_at", "-id")
