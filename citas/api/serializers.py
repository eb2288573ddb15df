"""Small input and output serializers, one pair per operation. No business rules here:
inputs check shape and types, the services decide."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from citas.booking.models import AppointmentStatus, PartOfDay, SeriesFrequency, WaitlistStatus
from citas.booking.series import CONFLICT_LABELS, MAX_OCCURRENCES, SeriesScope
from citas.notifications.models import NotificationStatus, WebhookEvent

from .fields import AwareDateTimeField, StrictSerializer

# --- errors ----------------------------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. slot_taken."))
    message = serializers.CharField(help_text=_("Human message in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages per input field."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# --- public ----------------------------------------------------------------------------------


class PracticeSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    timezone = serializers.CharField(help_text=_("IANA time zone of the practice."))
    address = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class PracticeUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    currency = serializers.CharField()
    color = serializers.CharField()
    professionals = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Ids of the professionals who offer it.")
    )


class ProfessionalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    color = serializers.CharField()


class AvailabilityQuerySerializer(serializers.Serializer):
    service = serializers.IntegerField(min_value=1, max_value=2**62)
    professional = serializers.CharField(
        required=False, help_text=_("A professional id, or “any” (the default).")
    )
    to = serializers.DateField(input_formats=["%Y-%m-%d"], help_text=_("Last local day."))

    def get_fields(self):
        # `from` is a Python keyword: declared here so the query parameter keeps its name.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            input_formats=["%Y-%m-%d"], help_text=_("First local day (YYYY-MM-DD).")
        )
        return fields

    def validate_professional(self, value: str) -> int | None:
        value = value.strip()
        if value in ("", "any"):
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise serializers.ValidationError(_("Give a professional id or “any”."))
        return int(value)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text=_("Local start with its UTC offset."))
    professional = serializers.IntegerField()


class AvailabilitySerializer(serializers.Serializer):
    timezone = serializers.CharField()
    days = serializers.DictField(
        child=SlotSerializer(many=True), help_text=_("Free slots per local day (YYYY-MM-DD).")
    )


class PublicBookingSerializer(StrictSerializer):
    service = serializers.IntegerField(min_value=1, max_value=2**62)
    professional = serializers.IntegerField(min_value=1, max_value=2**62)
    start = AwareDateTimeField()
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    privacy_accepted = serializers.BooleanField(
        help_text=_("The client accepts the practice's privacy policy; must be true.")
    )
    altcha = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "The solved proof-of-work challenge, when the booking needs one: base64 of the JSON "
            "{algorithm, challenge, number, salt, signature} (see the challenge endpoint)."
        ),
    )

    def validate_privacy_accepted(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Accept the privacy policy to book."))
        return value


class ChallengeSerializer(serializers.Serializer):
    algorithm = serializers.CharField(help_text=_("Always SHA-256."))
    challenge = serializers.CharField(help_text=_("Hex SHA-256 of salt + the secret number."))
    maxNumber = serializers.IntegerField(help_text=_("The secret number is at most this."))  # noqa: N815 — ALTCHA's name
    salt = serializers.CharField()
    signature = serializers.CharField(help_text=_("Send it back unchanged."))


class BookingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    manage_token = serializers.CharField(
        source="token", help_text=_("Secret for the client's manage link; keep it private.")
    )
    email_check_until = serializers.DateTimeField(
        source="unverified_until",
        allow_null=True,
        help_text=_(
            "Set when the practice asks clients to confirm their email: the time is held until "
            "then, waiting for the client to follow the link sent to them."
        ),
    )


# --- appointments ----------------------------------------------------------------------------


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    professional = serializers.IntegerField(source="professional_id")
    professional_name = serializers.CharField(source="professional.display_name")
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField(source="service.name")
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.full_name")
    client_confirmed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_("When the client answered “I'll be there” to a reminder; null if not yet."),
    )
    notes = serializers.CharField()
    series = serializers.IntegerField(
        source="series_id",
        allow_null=True,
        help_text=_("The recurring series this appointment belongs to; null if none."),
    )
    created_at = serializers.DateTimeField()


_ROW_DATETIME = serializers.DateTimeField()


def _row_datetime(zone):
    """DateTimeField.to_representation for aware values, with the current time zone read once
    (DRF reads it for every value): ISO 8601 in `zone`, "Z" for UTC."""

    def when(value):
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:  # DRF's own answer (a validation error)
            return _ROW_DATETIME.to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


def appointment_rows_data(rows) -> list[dict]:
    """AppointmentSerializer's output for `.values()` rows of `appointment_rows_for_api`:
    the same keys, order and formats, without a serializer field call per value. A test
    compares both on every row."""
    when = _row_datetime(timezone.get_current_timezone())
    return [
        {
            "id": row["id"],
            "status": row["status"],
            "start": when(row["start"]),
            "end": when(row["end"]),
            "professional": row["professional_id"],
            "professional_name": row["professional_name"],
            "service": row["service_id"],
            "service_name": row["service_name"],
            "client": row["client_id"],
            "client_name": row["client_name"],
            "client_confirmed_at": (
                None if row["client_confirmed_at"] is None else when(row["client_confirmed_at"])
            ),
            "notes": row["notes"],
            "series": row["series_id"],
            "created_at": when(row["created_at"]),
        }
        for row in rows
    ]


class MyAppointmentSerializer(AppointmentSerializer):
    practice = serializers.SlugField(source="practice.slug")
    notes = None


class AppointmentFilterSerializer(serializers.Serializer):
    professional = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    client = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)
    to = AwareDateTimeField(required=False, help_text=_("Appointments starting before."))
    # allow_null: a boolean missing from a query string would otherwise read as false.
    client_confirmed = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_(
            "true: the client confirmed attendance; false: active (pending or confirmed) "
            "appointments the client has not confirmed yet."
        ),
        error_messages={"invalid": _("Use true or false.")},
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = AwareDateTimeField(
            required=False, help_text=_("Appointments starting at or after.")
        )
        return fields


class AppointmentCreateSerializer(StrictSerializer):
    professional = serializers.IntegerField(min_value=1, max_value=2**62)
    service = serializers.IntegerField(min_value=1, max_value=2**62)
    client = serializers.IntegerField(min_value=1, max_value=2**62)
    start = AwareDateTimeField()
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    override_policy = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Book outside hours, notice or horizon; overlaps are still refused."),
    )


class RescheduleSerializer(StrictSerializer):
    start = AwareDateTimeField()
    professional = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    override_policy = serializers.BooleanField(required=False, default=False)


class MyRescheduleSerializer(StrictSerializer):
    start = AwareDateTimeField()


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SeriesPreviewSerializer(StrictSerializer):
    professional = serializers.IntegerField(min_value=1, max_value=2**62)
    service = serializers.IntegerField(min_value=1, max_value=2**62)
    start = AwareDateTimeField(
        help_text=_("The first appointment; the others keep its local time.")
    )
    frequency = serializers.ChoiceField(choices=SeriesFrequency.choices)
    count = serializers.IntegerField(
        min_value=2, max_value=MAX_OCCURRENCES, required=False, allow_null=True, default=None
    )
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Last day (inclusive).")
    )


class SeriesOccurrenceSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    conflict = serializers.ChoiceField(
        choices=["", *CONFLICT_LABELS],
        help_text=_("Empty when the time is free; otherwise what stands in its way."),
    )
    message = serializers.CharField()


class SeriesCreateSerializer(StrictSerializer):
    professional = serializers.IntegerField(min_value=1, max_value=2**62)
    service = serializers.IntegerField(min_value=1, max_value=2**62)
    client = serializers.IntegerField(min_value=1, max_value=2**62)
    frequency = serializers.ChoiceField(choices=SeriesFrequency.choices)
    starts = serializers.ListField(
        child=AwareDateTimeField(),
        min_length=1,
        max_length=MAX_OCCURRENCES,
        help_text=_("Every occurrence to book (the preview's, minus skipped, plus moved ones)."),
    )
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class SeriesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    frequency = serializers.ChoiceField(choices=SeriesFrequency.choices)
    client = serializers.IntegerField(source="client_id")
    service = serializers.IntegerField(source="service_id")
    appointments = AppointmentSerializer(many=True)


class SeriesScopeSerializer(StrictSerializer):
    scope = serializers.ChoiceField(choices=SeriesScope.CHOICES)


class SeriesCancelSerializer(SeriesScopeSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SeriesMoveSerializer(SeriesScopeSerializer):
    start = AwareDateTimeField(help_text=_("The new time of this appointment."))
    professional = serializers.IntegerField(
        min_value=1,
        max_value=2**62,
        required=False,
        help_text=_("Move them to this professional (by default they keep theirs)."),
    )


class EmptySerializer(StrictSerializer):
    """No body is needed; anything sent must be an empty object."""


# --- clients ---------------------------------------------------------------------------------


class ClientSerializer(serializers.Serializer):
    """`context={"show_notes": False}` leaves the notes out (reception, unless the practice lets
    reception see them: the same rule as the client page)."""

    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    notes = serializers.CharField(
        required=False,
        help_text=_("Absent for reception unless the practice lets reception see client notes."),
    )
    created_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_notes", True):
            del fields["notes"]
        return fields


class ClientInputSerializer(StrictSerializer):
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ClientMergeSerializer(StrictSerializer):
    duplicate = serializers.IntegerField(
        min_value=1,
        max_value=2**62,
        help_text=_("The duplicate record: its appointments move over and it is deleted."),
    )


class ClientSearchSerializer(serializers.Serializer):
    search = serializers.CharField(max_length=100, required=False, allow_blank=True)


# --- webhooks --------------------------------------------------------------------------------


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    secret = serializers.CharField(help_text=_("HMAC-SHA256 key of the X-Citas-Signature header."))
    is_active = serializers.BooleanField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookInputSerializer(StrictSerializer):
    url = serializers.CharField(max_length=500, help_text=_("An https:// address."))
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=6
    )
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField(source="payload.type", help_text=_("e.g. appointment.created"))
    delivery_id = serializers.CharField(source="payload.id", help_text=_("X-Citas-Webhook-Id"))
    status = serializers.ChoiceField(choices=NotificationStatus.choices)
    response_code = serializers.IntegerField(allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    due_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


# --- waiting list ----------------------------------------------------------------------------


class WaitlistFilterSerializer(serializers.Serializer):
    service = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, help_text=_("Only this service's list.")
    )


class WaitlistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service = serializers.IntegerField(source="service_id")
    professional = serializers.IntegerField(source="professional_id", allow_null=True)
    full_name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    part_of_day = serializers.ChoiceField(choices=PartOfDay.choices)
    status = serializers.ChoiceField(choices=WaitlistStatus.choices)
    offered_start = serializers.DateTimeField(allow_null=True)
    offered_professional = serializers.IntegerField(
        source="offered_professional_id", allow_null=True
    )
    offer_expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
