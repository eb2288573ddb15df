import re
from datetime import date, time
from zoneinfo import ZoneInfo

import holidays
from django import forms
from django.core.validators import MinValueValidator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citas.core.errors import ServiceError, add_service_error
from citas.core.forms import DayMonthYearField, Time24Input
from citas.core.timezones import at_local_time, outside_booking_window
from citas.practices.models import Practice, Professional

from .models import BookingPolicy, TimeOffReason, Weekday
from .services import TimeRange, check_day_ranges, local_day_bounds, release_rule_error

_RANGE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.h](\d{2}))?$")


def parse_day_ranges(text: str) -> list[TimeRange]:
    """ "09:00-14:00, 15:00-19:00" → [(09:00, 14:00), (15:00, 19:00)]; empty = day off."""
    ranges = []
    for chunk in re.split(r"[,;\n]+", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        match = _RANGE.match(chunk)
        if not match:
            raise forms.ValidationError(
                _("“%(value)s” is not a range like 09:00-14:00."), params={"value": chunk}
            )
        h1, m1, h2, m2 = (int(group or 0) for group in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid time of day."), params={"value": chunk}
            )
        ranges.append((time(h1, m1), time(h2, m2)))
    return ranges


def format_day_ranges(rows) -> str:
    return ", ".join(f"{row.start_time:%H:%M}-{row.end_time:%H:%M}" for row in rows)


class WeeklyHoursForm(forms.Form):
    """One text field per weekday with its ranges; the gaps between ranges are breaks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in Weekday:
            self.fields[f"day_{day.value}"] = forms.CharField(
                label=day.label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("Day off")}),
            )

    def clean(self):
        cleaned = super().clean()
        ranges: dict[int, list[TimeRange]] = {}
        for day in Weekday:
            name = f"day_{day.value}"
            if name not in cleaned:
                continue  # already has a field error
            try:
                day_ranges = parse_day_ranges(cleaned[name])
                check_day_ranges(day_ranges)
            except forms.ValidationError as error:
                self.add_error(name, error)
            except ServiceError as error:
                self.add_error(name, error.message)
            else:
                ranges[day.value] = day_ranges
        cleaned["ranges"] = ranges
        return cleaned

    def days(self):
        return [self[f"day_{day.value}"] for day in Weekday]


class TimeOffForm(forms.Form):
    professional = forms.ModelChoiceField(
        label=_("Who"),
        queryset=Professional.objects.none(),
        required=False,
        empty_label=_("The whole practice"),
    )
    start_date = DayMonthYearField(label=_("From"))
    end_date = DayMonthYearField(
        label=_("Until (inclusive)"),
        required=False,
        help_text=_("Leave it empty for a single day."),
    )
    all_day = forms.BooleanField(
        label=_("Full days"),
        required=False,
        initial=True,
        # static/js/app.js hides the times while it is ticked.
        widget=forms.CheckboxInput(attrs={"data-hides": "#id_start_time,#id_end_time"}),
    )
    start_time = forms.TimeField(label=_("From (time)"), required=False, widget=Time24Input)
    end_time = forms.TimeField(label=_("Until (time)"), required=False, widget=Time24Input)
    reason = forms.ChoiceField(label=_("Reason"), choices=TimeOffReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(practice.timezone)
        self.fields["professional"].queryset = Professional.objects.filter(
            practice=practice, is_active=True
        )

    def clean(self):
        cleaned = super().clean()
        first: date | None = cleaned.get("start_date")
        if first is None:
            return cleaned
        last: date = cleaned.get("end_date") or first
        if last < first:
            self.add_error("end_date", _("The last day cannot be before the first one."))
            return cleaned
        if (last - first).days > 366:
            self.add_error("end_date", _("An absence can last at most one year."))
            return cleaned
        refusal = outside_booking_window(first, last, timezone.localdate(timezone=self.tz))
        if refusal:
            self.add_error("start_date", refusal)
            return cleaned
        if cleaned.get("all_day"):
            cleaned["start"], cleaned["end"] = local_day_bounds(first, last, self.tz)
            return cleaned
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        if start_time is None:
            self.add_error("start_time", _("Give the start time, or tick “Full days”."))
        if end_time is None:
            self.add_error("end_time", _("Give the end time, or tick “Full days”."))
        if start_time is None or end_time is None:
            return cleaned
        start = at_local_time(first, start_time, self.tz)
        end = at_local_time(last, end_time, self.tz)
        if end <= start:
            self.add_error("end_time", _("The end must be after the start."))
            return cleaned
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


# The countries a practice can import public holidays from (all have a `holidays` calendar).
COUNTRY_CHOICES = [
    ("ES", _("Spain")),
    ("PT", _("Portugal")),
    ("FR", _("France")),
    ("IT", _("Italy")),
    ("DE", _("Germany")),
    ("GB", _("United Kingdom")),
    ("IE", _("Ireland")),
    ("US", _("United States")),
    ("MX", _("Mexico")),
    ("AR", _("Argentina")),
    ("CO", _("Colombia")),
    ("CL", _("Chile")),
    ("PE", _("Peru")),
    ("EC", _("Ecuador")),
    ("UY", _("Uruguay")),
]
DEFAULT_COUNTRY = "ES"


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """The regions of a country's holiday calendar, by name (the longest alias, else the code)."""
    calendar = holidays.country_holidays(country)
    aliases = calendar.get_subdivision_aliases()
    named = [(code, max(aliases.get(code) or [code], key=len)) for code in calendar.subdivisions]
    return sorted(named, key=lambda item: item[1])


def subdivision_groups(country: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The same choices for a select: regions first, then the cities and other local calendars
    (`holidays` lists Spain's "Barcelona" beside "Catalunya"; those are the codes it gives no
    name to)."""
    aliases = holidays.country_holidays(country).get_subdivision_aliases()
    regions, local = [], []
    for code, name in subdivision_choices(country):
        (regions if aliases.get(code) else local).append((code, name))
    groups = [(_("Regions"), regions), (_("Cities and other local calendars"), local)]
    return [(label, choices) for label, choices in groups if choices]


class HolidayImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    country = forms.ChoiceField(
        label=_("Country"),
        choices=COUNTRY_CHOICES,
        initial=DEFAULT_COUNTRY,
        # Without JavaScript the region list follows the country after a submit.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("scheduling:holidays"),
                "hx-target": "#subdivision-field",
                "hx-swap": "outerHTML",
            }
        ),
    )
    subdivision = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=32,
        widget=forms.Select,
        help_text=_("Leave it on “National holidays only” to skip regional holidays."),
    )

    def __init__(self, *args, country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        chosen = country or (self.data.get("country") if self.is_bound else None)
        if chosen not in dict(COUNTRY_CHOICES):
            chosen = DEFAULT_COUNTRY
        if not self.is_bound:
            self.initial["country"] = chosen
        self.fields["subdivision"].widget.choices = [
            ("", _("National holidays only")),
            *subdivision_groups(chosen),
        ]

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        subdivision = cleaned.get("subdivision", "").strip().upper()
        if not country or not subdivision:
            return cleaned
        codes = [code for code, _name in subdivision_choices(country)]
        by_upper = {code.upper(): code for code in codes}
        if not codes:
            self.add_error(
                "subdivision",
                _("This country has no regional holidays: choose “National holidays only”."),
            )
        elif subdivision not in by_upper:
            self.add_error(
                "subdivision",
                _("That region does not belong to the country. Valid codes: %(codes)s.")
                % {"codes": ", ".join(sorted(codes))},
            )
        cleaned["subdivision"] = by_upper.get(subdivision, subdivision)
        return cleaned


ABUSE_LIMITS = (
    "max_upcoming_per_client",
    "challenge_after_bookings_hour",
    "max_online_bookings_hour",
)
# Booking rules a form may leave out or empty: the current value stays.
KEPT_WHEN_EMPTY = ("waitlist_offer_valid_minutes", "waitlist_offers_per_slot", *ABUSE_LIMITS)


class BookingPolicyForm(forms.ModelForm):
    class Meta:
        model = BookingPolicy
        fields = [
            "min_notice_minutes",
            "horizon_days",
            "slot_step_minutes",
            "cancellation_window_hours",
            "approval_required",
            "email_check_required",
            "email_check_minutes",
            "complete_past_appointments",
            "confirmation_request_hours",
            "release_unconfirmed_hours",
            "no_show_limit",
            "no_show_action",
            "waitlist_offer_valid_minutes",
            "waitlist_offers_per_slot",
            "max_upcoming_per_client",
            "challenge_after_bookings_hour",
            "max_online_bookings_hour",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only meaningful with a limit; a form without it keeps the current choice.
        self.fields["no_show_action"].required = False
        # Only meaningful when the email check is on; a form without it keeps the current value.
        self.fields["email_check_minutes"].required = False

        # Left empty, these keep their current value.
        for name in KEPT_WHEN_EMPTY:
            self.fields[name].required = False
        # A negative limit is told "at least 1", not the positive field's "at least 0".
        for name in ABUSE_LIMITS:
            field = self.fields[name]
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, MinValueValidator)
            ] + [MinValueValidator(1)]
            field.widget.attrs["min"] = 1

    def rule_fields(self) -> list:
        """The page shows the abuse limits apart, after every other rule."""
        return [self[name] for name in self.fields if name not in ABUSE_LIMITS]

    def abuse_limit_fields(self) -> list:
        return [self[name] for name in ABUSE_LIMITS]

    def clean_no_show_action(self) -> str:
        return self.cleaned_data["no_show_action"] or self.instance.no_show_action

    def clean_email_check_minutes(self) -> int:
        value = self.cleaned_data["email_check_minutes"]
        return self.instance.email_check_minutes if value is None else value

    def clean(self):
        cleaned = super().clean()
        for name in KEPT_WHEN_EMPTY:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = getattr(self.instance, name)
        error = release_rule_error(
            asked=cleaned.get("confirmation_request_hours"),
            release=cleaned.get("release_unconfirmed_hours"),
        )
        if error is not None:
            add_service_error(self, error)
        return cleaned


class AvailabilityQueryForm(forms.Form):
    """The public availability endpoint's query string (keys renamed: `from`/`to`)."""

    service = forms.IntegerField(min_value=1, max_value=2**62)
    professional = forms.CharField(required=False)
    first_day = forms.DateField(input_formats=["%Y-%m-%d"])
    last_day = forms.DateField(input_formats=["%Y-%m-%d"])

    PARAMS = {
        "service": "service",
        "professional": "professional",
        "from": "first_day",
        "to": "last_day",
    }

    @classmethod
    def from_query(cls, query) -> "AvailabilityQueryForm":
        return cls({field: query.get(param, "") for param, field in cls.PARAMS.items()})

    def clean_professional(self) -> int | None:
        value = self.cleaned_data["professional"].strip()
        if value in ("", "any"):
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise forms.ValidationError(_("Give a professional id or “any”."))
        return int(value)

    def field_errors(self) -> dict[str, list[str]]:
        names = {field: param for param, field in self.PARAMS.items()}
        return {
            names.get(field, field): [str(message) for message in messages]
            for field, messages in self.errors.items()
        }
