from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        user = request.user
        if user.memberships.exists():
            return reverse("practices:dashboard")
        if user.kind == user.Kind.PROFESSIONAL:
            return reverse("practices:onboarding")
        return reverse("home")
