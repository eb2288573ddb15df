from django import forms
from django.utils.translation import gettext_lazy as _

from citas.practices.models import Professional


class ProfessionalChoiceMixin:
    """Managers choose among the practice's professionals; a professional only has themself
    (the field is then hidden). A tampered id of another practice is "not one of the choices"."""

    def set_professionals(self, professionals) -> None:
        self.fields["professional"].queryset = professionals
        if professionals.count() == 1:
            self.fields["professional"].initial = professionals.first()
            self.fields["professional"].widget = forms.HiddenInput()


class ExternalCalendarForm(ProfessionalChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, initial=_("Personal"))
    url = forms.CharField(
        label=_("Secret iCalendar address"),
        max_length=2000,
        help_text=_(
            "In Google Calendar: Settings → your calendar → “Secret address in iCal format”. "
            "In Outlook: Settings → Calendar → Shared calendars → Publish a calendar (ICS). "
            "In iCloud: share the calendar as public and copy its address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    share_titles = forms.BooleanField(
        label=_("Show event titles to the practice"),
        required=False,
        help_text=_("Otherwise the agenda shows them as “Busy”. Clients never see them."),
    )
    professional = forms.ModelChoiceField(
        label=_("Professional"), queryset=Professional.objects.none()
    )

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_professionals(professionals)


class ExternalCalendarEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    share_titles = forms.BooleanField(label=_("Show event titles to the practice"), required=False)


class CalDAVAccountForm(ProfessionalChoiceMixin, forms.Form):
    url = forms.CharField(
        label=_("CalDAV server address"),
        max_length=2000,
        help_text=_(
            "For example https://cloud.example.com/remote.php/dav/ (Nextcloud) or "
            "https://caldav.icloud.com/ (iCloud)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = forms.CharField(label=_("User name"), max_length=200)
    password = forms.CharField(
        label=_("App password"),
        max_length=500,
        help_text=_("Create an app password in your calendar service; never your main one."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    professional = forms.ModelChoiceField(
        label=_("Professional"), queryset=Professional.objects.none()
    )

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_professionals(professionals)
