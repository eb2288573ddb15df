import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

TIME_PATTERN = "([01]?[0-9]|2[0-3]):[0-5][0-9]"
DATE_PATTERN = "(0?[1-9]|[12][0-9]|3[01])/(0?[1-9]|1[0-2])/[0-9]{4}"
DATE_FORMAT = "%d/%m/%Y"
# Day/month/year as typed; ISO too, so links and scripts may keep sending 2026-12-01.
DATE_INPUT_FORMATS = [DATE_FORMAT, "%Y-%m-%d"]
# Digits, then at most one separator (comma or point) followed by one or two decimals.
DECIMAL_RE = re.compile(r"^(?P<units>\d+)(?:[.,](?P<cents>\d{1,2}))?$")


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A choice field's rows read in one query. Django's own iterator reads them with
    QuerySet.iterator(), which on PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE:
    three round trips) to list a dozen professionals or services on every form."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class BootstrapFormRenderer(TemplatesSetting):
    """Every form (ours and allauth's) renders with Bootstrap markup and accessible errors."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class PrefixedTextInput(forms.TextInput):
    """A text box with fixed text before it, e.g. the start of a web address."""

    template_name = "forms/prefixed_input.html"

    def __init__(self, attrs=None, *, prefix: str = ""):
        super().__init__(attrs)
        self.prefix = prefix

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["prefix"] = self.prefix
        return context


def typed_attrs(pattern: str, placeholder: str, attrs) -> dict:
    """A numeric text box whose format the page states, not the browser's locale."""
    base = {
        "inputmode": "numeric",
        "pattern": pattern,
        "placeholder": placeholder,
        "maxlength": str(len(placeholder)),
        "autocomplete": "off",
    }
    return base | (attrs or {})


class Time24Input(forms.TimeInput):
    """A time of day typed as HH:MM, whatever the browser's locale (`type=time` shows AM/PM
    in an English browser)."""

    def __init__(self, attrs=None):
        super().__init__(attrs=typed_attrs(TIME_PATTERN, "14:30", attrs), format="%H:%M")

    input_type = "text"


def parse_day(text: str) -> date | None:
    """A day typed as day/month/year (or sent as ISO); None when it is not one."""
    for pattern in DATE_INPUT_FORMATS:
        try:
            # Only the day is kept, so no time zone is involved.
            return datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


class DayMonthYearInput(forms.DateInput):
    """A day typed as DD/MM/YYYY, whatever the browser's locale (`type=date` shows
    month/day/year in an American browser)."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs=typed_attrs(DATE_PATTERN, "31/12/2026", attrs), format=DATE_FORMAT)

    def format_value(self, value):
        # A bound ISO value (from a link) is shown back as day/month/year.
        if isinstance(value, str) and (day := parse_day(value)) is not None:
            return day.strftime(DATE_FORMAT)
        return super().format_value(value)


class DayMonthYearField(forms.DateField):
    """A day as day/month/year in every language, never month/day."""

    widget = DayMonthYearInput
    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Write the date as day/month/year, for example 31/12/2026."),
    }


class DateTime24Widget(forms.MultiWidget):
    """A date picker and a 24-hour HH:MM box; the field still receives one ISO string, so
    links and scripts may keep sending `name=2026-12-01T10:00`."""

    template_name = "forms/datetime24.html"

    def __init__(self, attrs=None):
        super().__init__(
            widgets={
                "date": DayMonthYearInput(attrs={"aria-label": _("Date (day/month/year)")}),
                "time": Time24Input(attrs={"aria-label": _("Time (24 h, HH:MM)")}),
            },
            attrs=attrs,
        )

    def decompress(self, value):
        if isinstance(value, datetime):
            return [value.strftime(DATE_FORMAT), value.strftime("%H:%M")]
        if isinstance(value, str) and "T" in value:
            day, clock = value.split("T", 1)
            parsed = parse_day(day)
            return [parsed.strftime(DATE_FORMAT) if parsed else day, clock[:5]]
        return [None, None]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data[name]
        day, clock = super().value_from_datadict(data, files, name)
        if not day and not clock:
            return ""
        parsed = parse_day(day or "")
        # An unreadable day goes on as typed, for the field to refuse it.
        return f"{parsed.isoformat() if parsed else day}T{clock}"

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


def parse_amount(text: str) -> Decimal | None:
    """An amount typed with a decimal comma or point ("35,50", "35.50", "35"); None when it
    could be read two ways ("1.500", "3.550,00") or is not a number. Never guesses."""
    cleaned = text.strip().removesuffix("€").strip().replace("\u00a0", "").replace(" ", "")
    match = DECIMAL_RE.match(cleaned)
    if match is None:
        return None
    try:
        return Decimal(f"{match['units']}.{match['cents'] or '0'}")
    except InvalidOperation:
        return None


class AmountField(forms.DecimalField):
    """A price in euros that accepts the Spanish decimal comma and shows it back."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _(
            "Write the amount with a decimal comma and no thousands separator, "
            "for example 35,50 or 1500."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        amount = parse_amount(str(value))
        if amount is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return amount

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs
