"""Forms of the public booking page, the manage link and "Mis citas"."""

from datetime import UTC, date, datetime

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .services import MAX_NOTES_LENGTH, MAX_REASON_LENGTH

ANY = "any"
START_FORMAT = "%Y-%m-%dT%H:%MZ"


def format_start(start: datetime) -> str:
    """A slot start as it travels in links and forms: UTC, minute precision."""
    return start.astimezone(UTC).strftime(START_FORMAT)


def parse_start(value: str) -> datetime | None:
    """The instant, or None; years far from now are refused so that date arithmetic on the
    value (local dates, end times) can never overflow."""
    try:
        start = datetime.strptime(value, START_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None
    return start if 2000 <= start.year <= 9000 else None


class StartField(forms.CharField):
    default_error_messages = {"invalid": _("Choose one of the free times.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        start = parse_start(value) if len(value) <= len("2026-01-01T00:00Z") else None
        if start is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return start


class StepForm(forms.Form):
    """Where the visitor is in the booking steps (GET parameters; all optional)."""

    service = forms.IntegerField(required=False, min_value=1)
    professional = forms.CharField(required=False, max_length=20)
    month = forms.CharField(required=False, max_length=7)
    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    start = StartField(required=False)

    def clean_professional(self) -> int | str | None:
        value = self.cleaned_data["professional"]
        if not value:
            return None
        if value == ANY:
            return ANY
        if value.isdigit():
            return int(value)
        raise forms.ValidationError(_("Choose a professional who offers the service."))

    def clean_month(self) -> date | None:
        value = self.cleaned_data["month"]
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 — a calendar month
        except ValueError as exc:
            raise forms.ValidationError(_("Choose a month from the calendar.")) from exc


class BookingForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    professional = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # What the visitor chose ("any" or a professional), so that a refused form goes back to it.
    choice = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    start = StartField(widget=forms.HiddenInput)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send the confirmation and the link to manage the appointment here."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    sms_consent = forms.BooleanField(
        label=_("I agree to receive reminders by SMS at this phone"),
        required=False,
    )
    notes = forms.CharField(
        label=_("Note for the practice"),
        max_length=MAX_NOTES_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    privacy = forms.BooleanField(
        label=_("I have read the privacy notice and agree that the practice stores my data."),
        error_messages={"required": _("Please accept the privacy notice to book.")},
    )
    marketing = forms.BooleanField(
        label=_("I would like to receive news and offers from the practice (optional)"),
        required=False,
    )

    def __init__(self, *args, notice_url: str = "", offer_marketing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if notice_url:
            self.fields["privacy"].help_text = format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                notice_url,
                _("Read the privacy notice"),
            )
        if not offer_marketing:
            del self.fields["marketing"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sms_consent") and not cleaned.get("phone", "").strip():
            self.add_error("phone", _("Enter the phone number for the SMS reminders."))
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=MAX_REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RescheduleForm(forms.Form):
    start = StartField(error_messages={"required": _("Choose a new time.")})
