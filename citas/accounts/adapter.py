from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


def home_url_for(user) -> str:
    """Members and invitees go to the practice pages, new professionals to onboarding, clients to
    their bookings."""
    from citas.practices.selectors import open_invitations_for

    if user.memberships.exists() or open_invitations_for(user).exists():
        return reverse("practices:dashboard")
    if user.kind == user.Kind.PROFESSIONAL:
        return reverse("practices:onboarding")
    return reverse("home")


class AccountAdapter(DefaultAccountAdapter):
    """Every redirect after log-in, sign-up or verification goes through `accounts:start`, which
    knows the logged-in user (at sign-up time allauth does not have one yet)."""
