from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from citas.core.timezones import outside_browse_years


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that must say its offset: a naive time is ambiguous, not local."""

    default_error_messages = {
        "naive": _("Include a time zone offset, for example 2026-12-01T10:00:00+01:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
            if parsed is not None and (refusal := outside_browse_years(parsed.date())):
                raise serializers.ValidationError(refusal, code="out_of_range")
        return super().to_internal_value(value)


class StrictSerializer(serializers.Serializer):
    """An input serializer that rejects keys it does not know instead of ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {str(name): [_("Unknown field.")] for name in unknown}
                )
        return super().to_internal_value(data)
