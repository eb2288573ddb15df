from django import forms
from django.utils.translation import gettext_lazy as _

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
            "price": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this practice's professionals: a tampered id is "not one of the choices".
        self.fields["professionals"].queryset = Professional.objects.filter(
            practice=practice, is_active=True
        )
