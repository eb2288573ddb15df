import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from citas.core.forms import PrefixedTextInput

from .models import Invitation, Practice, Role

COMMON_TIMEZONES = [
    "Europe/Madrid",
    "Atlantic/Canary",
    "Europe/Lisbon",
    "Europe/London",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Caracas",
    "America/New_York",
    "UTC",
]


def timezone_choices():
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIMEZONES))
    return [(tz, tz.replace("_", " ")) for tz in COMMON_TIMEZONES + rest]


class PracticeForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), initial="Europe/Madrid")
    slug = forms.SlugField(
        label=_("Web address of your booking page"),
        max_length=60,
        required=False,
        help_text=_("Letters, numbers and hyphens. Leave it empty to make one from the name."),
    )
    address = forms.CharField(label=_("Postal address"), max_length=255, required=False)
    owner_is_bookable = forms.BooleanField(
        label=_("I also attend appointments myself"), required=False, initial=True
    )

    class Meta:
        model = Practice
        fields = ["name", "slug", "timezone", "address", "phone", "email"]

    def __init__(self, *args, url_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["slug"].widget = PrefixedTextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false"}, prefix=url_prefix
        )

    def validate_unique(self):
        # Slug uniqueness is checked by the service (which also picks a free one).
        pass


class PracticeSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"))
    address = forms.CharField(label=_("Postal address"), max_length=255, required=False)

    class Meta:
        model = Practice
        fields = ["name", "timezone", "address", "phone", "email", "two_factor_policy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Invitation._meta.get_field("role").choices,
        initial=Role.PROFESSIONAL,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
