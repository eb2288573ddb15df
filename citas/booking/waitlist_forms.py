"""The public "Tell me when a time is free" form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from citas.core.forms import DayMonthYearField

from .forms import ANY
from .models import PartOfDay


class WaitlistJoinForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    professional = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    first_day = DayMonthYearField(label=_("From"))
    last_day = DayMonthYearField(label=_("Until"))
    part_of_day = forms.ChoiceField(label=_("When in the day"), choices=PartOfDay.choices)
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)

    def clean_professional(self) -> int | None:
        value = self.cleaned_data["professional"]
        if not value or value == ANY:
            return None
        if value.isdigit():
            return int(value)
        raise forms.ValidationError(_("Choose a professional who offers the service."))


def waitlist_form_for(day) -> WaitlistJoinForm:
    """The empty form shown under the calendar, starting and ending on the chosen day."""
    return WaitlistJoinForm(initial={"first_day": day, "last_day": day}, auto_id="wl-%s")
