"""The public "Tell me when a time is free" form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ANY
from .models import PartOfDay

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WaitlistJoinForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    professional = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    first_day = forms.DateField(label=_("From"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])
    last_day = forms.DateField(label=_("Until"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])
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
