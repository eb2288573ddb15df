from django import forms
from django.utils.translation import gettext_lazy as _

from citas.core.forms import AmountField
from citas.practices.models import Practice, Professional

from .models import Service

SERVICE_FIELDS = [
    "name",
    "description",
    "duration_minutes",
    "price",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "color",
    "professionals",
]


class ServiceForm(forms.ModelForm):
    price = AmountField(label=_("Price"), max_digits=8, decimal_places=2, min_value=0)
    professionals = forms.ModelMultipleChoiceField(
        label=_("Professionals who offer it"),
        queryset=Professional.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "color": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this practice's professionals: a tampered id is "not one of the choices".
        offering = Professional.objects.filter(practice=practice, is_active=True)
        self.fields["professionals"].queryset = offering
        self.fields["professionals"].help_text = _(
            "A service nobody offers is not shown on the booking page."
        )
        if self.instance.pk is None and not self.is_bound:
            # In a one-person practice the only professional offers every new service.
            only = list(offering[:2])
            if len(only) == 1:
                self.initial.setdefault("professionals", only)
