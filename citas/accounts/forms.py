from django import forms
from django.utils.translation import gettext_lazy as _

from citas.core.languages import language_choices

from .models import User


class SignupForm(forms.Form):
    """Extra fields for allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("I am"),
        choices=[
            (User.Kind.PROFESSIONAL, _("A professional: I want to manage my practice")),
            (User.Kind.CLIENT, _("A client: I want to book and manage my appointments")),
        ],
        initial=User.Kind.CLIENT,
        widget=forms.RadioSelect,
    )

    field_order = ["kind", "full_name", "email", "password1", "password2"]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Please write your name."))
        return name

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.kind = self.cleaned_data["kind"]
        user.language = getattr(request, "LANGUAGE_CODE", "es")
        user.save(update_fields=["full_name", "kind", "language"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language"]
        widgets = {"language": forms.Select(choices=language_choices)}
