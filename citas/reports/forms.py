from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from citas.catalog.models import Service
from citas.core.forms import DayMonthYearField
from citas.practices.models import Practice, Professional

MAX_DAYS = 366


def default_period(today: date) -> tuple[date, date]:
    """The last twelve full weeks and this one."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=12), today


class ReportFilterForm(forms.Form):
    start = DayMonthYearField(label=_("From"))
    end = DayMonthYearField(label=_("To"))
    professional = forms.ModelChoiceField(
        label=_("Professional"), queryset=Professional.objects.none(), required=False
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )

    def __init__(self, data, *, practice: Practice, today: date):
        """Always bound: missing dates default to the last twelve weeks."""
        start, end = default_period(today)
        given = {name: value for name, value in data.items() if value}
        super().__init__({"start": start.isoformat(), "end": end.isoformat(), **given})
        self.fields["professional"].queryset = Professional.objects.filter(practice=practice)
        self.fields["service"].queryset = Service.objects.filter(practice=practice)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date must not be before the start date."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error(
                    "end", _("Choose at most %(days)d days at a time.") % {"days": MAX_DAYS}
                )
        return data

    def foreign_choice(self) -> bool:
        """A professional or service id that is not the practice's (another practice's)."""
        return any(
            self.errors.get(name) and self.data.get(name) for name in ("professional", "service")
        )
