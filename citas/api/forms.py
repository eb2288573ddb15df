from django import forms
from django.utils.translation import gettext_lazy as _

from citas.practices.models import Practice

from .models import Scope


class ApiTokenForm(forms.Form):
    practice = forms.ModelChoiceField(
        label=_("Practice"),
        queryset=Practice.objects.none(),
        required=False,
        empty_label=_("None: only my own appointments as a client"),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.APPOINTMENTS_READ],
        help_text=_("Give the token only what the program needs."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Where the token is used, e.g. “Website booking widget”."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        practices = Practice.objects.filter(memberships__user=user)
        self.fields["practice"].queryset = practices
        if len(practices) == 1:
            self.fields["practice"].initial = practices[0].pk
