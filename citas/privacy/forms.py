from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, ConsentPurpose, PrivacyNotice, PrivacySettings
from .services import NOTICE_FIELDS


class NoticeForm(forms.ModelForm):
    class Meta:
        model = PrivacyNotice
        fields = NOTICE_FIELDS
        widgets = {
            "extra_es": forms.Textarea(attrs={"rows": 4}),
            "extra_en": forms.Textarea(attrs={"rows": 4}),
        }


class PrivacySettingsForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = [
            "inactive_client_years",
            "notification_body_months",
            "audit_log_months",
            "blocked_data_years",
            "reception_sees_notes",
            "feed_shows_names",
            "marketing_consent_offered",
        ]

    def clean(self):
        cleaned = super().clean()
        limits = {
            "inactive_client_years": (1, 30),
            "notification_body_months": (1, 120),
            "audit_log_months": (6, 120),
            "blocked_data_years": (1, 20),
        }
        for name, (low, high) in limits.items():
            value = cleaned.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(
                    name,
                    _("Enter a number between %(low)s and %(high)s.") % {"low": low, "high": high},
                )
        return cleaned


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", _("Granted")), ("0", _("Withdrawn"))], coerce=lambda v: v == "1"
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", _("All"))] + AuditAction.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    object_id = forms.CharField(
        label=_("Object id"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
