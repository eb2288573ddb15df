"""Forms of the staff pages: they parse and validate, the views call the booking services."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from citas.core.forms import DateTime24Widget, DayMonthYearField, ListedChoiceIterator
from citas.core.timezones import is_ambiguous, is_nonexistent, outside_browse_years
from citas.practices.models import Practice

from .forms import format_start, parse_start
from .models import AppointmentStatus, Client, SeriesFrequency
from .series import MAX_OCCURRENCES, SeriesScope
from .staff_selectors import (
    AppointmentFilters,
    Tab,
    active_professionals,
    bookable_services,
)

MAX_FEED_DAYS = 62
CHOOSE_LABEL = _("Choose…")


def parse_local_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is wall-clock time in `tz` (the calendar
    widget sends and shows the practice's local time), a repeated time its first occurrence."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T").replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


# The split date and time boxes name their own formats when what was typed is unreadable.
SPLIT_INVALID = {
    "invalid": _(
        "Write the date as day/month/year and the time as HH:MM (24 h), "
        "for example 31/12/2026 and 15:00."
    )
}


class LocalDateTimeField(forms.CharField):
    """An ISO date-time interpreted in the practice's time zone; a wall-clock time that the
    clocks skip that night (spring change) is refused rather than guessed."""

    default_error_messages = {
        "invalid": _("Enter a date and time such as 2026-12-01T10:00."),
        "nonexistent": _(
            "That time does not exist on this day: the clocks go forward. Choose a later time."
        ),
    }

    def __init__(self, *, tz: ZoneInfo | None = None, **kwargs):
        self.tz = tz
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        parsed = parse_local_datetime(value, self.tz)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        refusal = outside_browse_years(parsed.date())
        if refusal:
            raise forms.ValidationError(refusal, code="out_of_range")
        if parsed.tzinfo is self.tz and is_nonexistent(parsed, self.tz):
            raise forms.ValidationError(self.error_messages["nonexistent"], code="nonexistent")
        return parsed


class RepeatedHourMixin:
    """On the night the clocks go back, a wall-clock time such as 02:30 happens twice: when
    `start` is such a time without an offset, the staff choose which one (`repeated_hour`)."""

    FIRST, SECOND = "first", "second"

    def _add_repeated_hour_field(self) -> None:
        self.fields["repeated_hour"] = forms.ChoiceField(
            label=_("This time happens twice tonight (the clocks go back)"),
            choices=[
                (self.FIRST, _("The first time (before the change)")),
                (self.SECOND, _("The second time (after the change)")),
            ],
            required=False,
            widget=forms.HiddenInput,
        )
        names = [name for name in self.fields if name != "repeated_hour"]
        names.insert(names.index("start") + 1, "repeated_hour")
        self.order_fields(names)

    def _resolve_repeated_hour(self, data) -> None:
        start = data.get("start")
        if start is None or start.tzinfo is not self.tz or not is_ambiguous(start, self.tz):
            return
        choice = data.get("repeated_hour")
        if choice not in (self.FIRST, self.SECOND):
            self.fields["repeated_hour"].widget = forms.RadioSelect(
                choices=self.fields["repeated_hour"].choices
            )
            self.add_error("repeated_hour", _("Choose which of the two times you mean."))
            return
        data["start"] = start.replace(fold=1 if choice == self.SECOND else 0)


class PracticeFormMixin:
    """Scopes every choice to the practice and interprets times in its time zone."""

    def _scope(self, practice: Practice) -> None:
        self.practice = practice
        self.tz = ZoneInfo(practice.timezone)
        for name, bound in self.fields.items():
            if isinstance(bound, LocalDateTimeField):
                bound.tz = self.tz
            if isinstance(bound, forms.ModelChoiceField):
                # Before the queryset: assigning one hands the widget the field's iterator.
                bound.iterator = ListedChoiceIterator
                if bound.empty_label is not None:
                    bound.empty_label = CHOOSE_LABEL
            if name == "professional":
                bound.queryset = active_professionals(practice)
            elif name == "service":
                bound.queryset = bookable_services(practice)


class AgendaFeedForm(PracticeFormMixin, forms.Form):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    professional = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cancelled = forms.BooleanField(required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(practice)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end <= start:
                self.add_error("end", _("The end must be after the start."))
            elif end - start > timedelta(days=MAX_FEED_DAYS):
                self.add_error(
                    "end", _("Ask for at most %(days)d days at a time.") % {"days": MAX_FEED_DAYS}
                )
        return data


class MoveForm(RepeatedHourMixin, PracticeFormMixin, forms.Form):
    """The JSON body of a drag and drop (or a resize, with `end`) in the agenda. The widget
    shows wall-clock time, so a drop into the repeated autumn hour must say which of the two
    it means (`repeated_hour`), as the forms do."""

    start = LocalDateTimeField()
    end = LocalDateTimeField(required=False)
    professional = forms.ModelChoiceField(queryset=None, required=False)
    override = forms.BooleanField(required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(practice)
        self._add_repeated_hour_field()

    def clean(self):
        data = super().clean()
        self._resolve_repeated_hour(data)
        start, end = data.get("start"), data.get("end")
        if start and end and end.tzinfo is self.tz and is_ambiguous(end, self.tz):
            # A resize ending in the repeated hour: the earliest occurrence after the start.
            # (Compared in UTC: aware times of one zone compare by wall clock, fold ignored.)
            after = [
                end.replace(fold=fold).astimezone(UTC)
                for fold in (0, 1)
                if end.replace(fold=fold).astimezone(UTC) > start.astimezone(UTC)
            ]
            data["end"] = min(after).astimezone(self.tz) if after else end
        return data


class OverrideMixin:
    """Booking outside the rules needs a second, explicit tick."""

    def clean(self):
        data = super().clean()
        if data.get("override_policy") and not data.get("confirm_override"):
            self.add_error(
                "confirm_override",
                _("Confirm that you want to book outside the practice's booking rules."),
            )
        return data


OVERRIDE_LABEL = _("Book outside the booking rules (hours, notice, horizon)")
CONFIRM_LABEL = _("Yes, I know this slot is outside the rules")


class StaffBookingForm(RepeatedHourMixin, OverrideMixin, PracticeFormMixin, forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=None)
    professional = forms.ModelChoiceField(label=_("Professional"), queryset=None)
    start = LocalDateTimeField(
        label=_("Date and time"), widget=DateTime24Widget, error_messages=SPLIT_INVALID
    )
    client = forms.ModelChoiceField(
        label=_("Existing client"), queryset=None, required=False, widget=forms.HiddenInput
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))
    frequency = forms.ChoiceField(
        label=_("Repeat"),
        choices=[("", _("Does not repeat")), *SeriesFrequency.choices],
        required=False,
    )
    count = forms.IntegerField(
        label=_("Number of appointments"), min_value=2, max_value=MAX_OCCURRENCES, required=False
    )
    until = DayMonthYearField(label=_("Or until"), required=False)
    override_policy = forms.BooleanField(label=OVERRIDE_LABEL, required=False)
    confirm_override = forms.BooleanField(label=CONFIRM_LABEL, required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(practice)
        self._add_repeated_hour_field()
        self.fields["client"].queryset = Client.objects.filter(practice=practice)

    def clean(self):
        data = super().clean()
        self._resolve_repeated_hour(data)
        if data.get("frequency") and data.get("override_policy"):
            self.add_error(
                "override_policy",
                _("A series follows the booking rules: skip or move the times outside them."),
            )
        if not data.get("client"):
            if not data.get("full_name"):
                self.add_error("full_name", _("Choose a client or enter the new client's name."))
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", _("Enter the new client's email."))
        return data


class RescheduleForm(RepeatedHourMixin, OverrideMixin, PracticeFormMixin, forms.Form):
    start = LocalDateTimeField(
        label=_("New date and time"), widget=DateTime24Widget, error_messages=SPLIT_INVALID
    )
    professional = forms.ModelChoiceField(label=_("Professional"), queryset=None)
    override_policy = forms.BooleanField(label=OVERRIDE_LABEL, required=False)
    confirm_override = forms.BooleanField(label=CONFIRM_LABEL, required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(practice)
        self._add_repeated_hour_field()

    def clean(self):
        data = super().clean()
        self._resolve_repeated_hour(data)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    scope = forms.ChoiceField(choices=SeriesScope.CHOICES, required=False)


def series_rows(occurrences, tz: ZoneInfo) -> list[dict]:
    """The preview's rows as the form shows them: kept unless something stands in the way."""
    return [
        {
            "index": index,
            "value": format_start(occurrence.start),
            "local": occurrence.start.astimezone(tz),
            "move_widget": DateTime24Widget().render(
                f"move_{index}",
                "",
                attrs={"id": f"move-{index}", "class": "form-control form-control-sm"},
            ),
            "keep": not occurrence.conflict,
            "occurrence": occurrence,
        }
        for index, occurrence in enumerate(occurrences)
    ]


def chosen_starts(data, tz: ZoneInfo) -> tuple[list[datetime], str]:
    """The starts the staff kept in the preview (each moved if they typed a new time), or an
    error message."""
    kept = set(data.getlist("keep"))
    starts = []
    for index in range(MAX_OCCURRENCES):
        value = data.get(f"occurrence_{index}")
        if value is None:
            break
        if str(index) not in kept:
            continue
        start = parse_start(value)
        moved = DateTime24Widget().value_from_datadict(data, None, f"move_{index}").strip()
        if moved:
            start = parse_local_datetime(moved, tz)
            if start is None or (start.tzinfo is tz and is_nonexistent(start, tz)):
                return [], str(SPLIT_INVALID["invalid"])
        if start is None:
            return [], str(_("The list of appointments could not be read. Preview it again."))
        starts.append(start)
    if not starts:
        return [], str(_("Keep at least one appointment of the series."))
    return starts, ""


class AppointmentFilterForm(PracticeFormMixin, forms.Form):
    tab = forms.ChoiceField(
        choices=[(Tab.TODAY, _("Today")), (Tab.UPCOMING, _("Upcoming")), (Tab.PAST, _("Past"))],
        required=False,
        widget=forms.HiddenInput,
    )
    q = forms.CharField(label=_("Client"), max_length=100, required=False)
    professional = forms.ModelChoiceField(
        label=_("Professional"), queryset=None, required=False, empty_label=_("All")
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=None, required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + AppointmentStatus.choices, required=False
    )
    attendance = forms.TypedChoiceField(
        label=_("Attendance"),
        choices=[
            ("", _("Any")),
            ("confirmed", _("Confirmed by the client")),
            ("unconfirmed", _("Not confirmed yet")),
        ],
        coerce=lambda value: value == "confirmed",
        empty_value=None,
        required=False,
    )
    date_from = DayMonthYearField(label=_("From"), required=False)
    date_to = DayMonthYearField(label=_("Until"), required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(practice)
        # Past services stay filterable: the list shows history too.
        self.fields["service"].queryset = practice.services.order_by("name")
        for bound in self.fields.values():
            select = isinstance(bound.widget, forms.Select)
            bound.widget.attrs["class"] = "form-select" if select else "form-control"

    def filters(self) -> AppointmentFilters:
        """What validated; an invalid field is reported and ignored."""
        data = self.cleaned_data if self.is_bound else {}
        return AppointmentFilters(
            tab=data.get("tab") or Tab.TODAY,
            professional=data.get("professional"),
            service=data.get("service"),
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            search=(data.get("q") or "").strip(),
            client_confirmed=data.get("attendance"),
        )


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["full_name", "email", "phone", "notes"]
        widgets = {"notes": forms.Textarea({"rows": 3})}

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["email"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        taken = Client.objects.filter(practice=self.practice, email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another client of this practice has this email."))
        return email

    def save(self, commit=True):
        self.instance.practice = self.practice
        return super().save(commit=commit)


class MergeForm(forms.Form):
    merge = forms.ModelChoiceField(label=_("Duplicate to merge"), queryset=None)
    confirm = forms.BooleanField(
        label=_("Move its appointments here and delete the duplicate"), required=False
    )

    def __init__(self, *args, keep: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge"].queryset = Client.objects.filter(practice=keep.practice).exclude(
            pk=keep.pk
        )
