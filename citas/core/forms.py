import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

TIME_PATTERN = "([01]?[0-9]|2[0-3]):[0-5][0-9]"
# Digits, then at most one separator (comma or point) followed by one or two decimals.
DECIMAL_RE = re.compile(r"^(?P<units>\d+)(?:[.,](?P<cents>\d{1,2}))?$")


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


class Time24Input(forms.TimeInput):
    """A time of day typed as HH:MM, whatever the browser's locale (`type=time` shows AM/PM
    in an English browser)."""

    def __init__(self, attrs=None):
        base = {
            "inputmode": "numeric",
            "pattern": TIME_PATTERN,
            "placeholder": "14:30",
            "maxlength": "5",
            "autocomplete": "off",
        }
        super().__init__(attrs=base | (attrs or {}), format="%H:%M")

    input_type = "text"


class DateTime24Widget(forms.MultiWidget):
    """A date picker and a 24-hour HH:MM box; the field still receives one ISO string, so
    links and scripts may keep sending `name=2026-12-01T10:00`."""

    template_name = "forms/datetime24.html"

    def __init__(self, attrs=None):
        super().__init__(
            widgets={
                "date": forms.DateInput(attrs={"type": "date", "aria-label": _("Date")}),
                "time": Time24Input(attrs={"aria-label": _("Time (24 h, HH:MM)")}),
            },
            attrs=attrs,
        )

    def decompress(self, value):
        if isinstance(value, datetime):
            return [value.date().isoformat(), value.strftime("%H:%M")]
        if isinstance(value, str) and "T" in value:
            day, clock = value.split("T", 1)
            return [day, clock[:5]]
        return [None, None]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data[name]
        day, clock = super().value_from_datadict(data, files, name)
        if not day and not clock:
            return ""
        return f"{day}T{clock}"

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
