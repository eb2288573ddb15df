from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.utils.translation import gettext_lazy as _

from .models import NotificationKind, NotificationSettings, NotificationStatus, WebhookEvent
from .selectors import DISMISSED_ONLY, NOT_DISMISSED
from .webhooks import validate_webhook_url


class NotificationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *NotificationStatus.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *NotificationKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    dismissed = forms.ChoiceField(
        label=_("Dismissed"),
        required=False,
        choices=[
            ("", _("Dismissed or not")),
            (NOT_DISMISSED, _("Not dismissed")),
            (DISMISSED_ONLY, _("Dismissed only")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class DismissFailedForm(forms.Form):
    """The ids of the open failures the page showed: only those are dismissed."""

    seen = SimpleArrayField(
        forms.IntegerField(min_value=1),
        max_length=10_000,
        error_messages={"required": _("The list of failures is missing.")},
    )


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [
            "reminder_offsets",
            "daily_agenda_hour",
            "hide_client_names_in_feed",
            "sms_enabled",
        ]


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        validate_webhook_url(url)
        return url


class WebhookEventsForm(forms.Form):
    events = WebhookEndpointForm.base_fields["events"]
