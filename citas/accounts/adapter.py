from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

APP_NAME = "Gestor de Citas"


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
    knows the logged-in user (at sign-up time allauth does not have one yet).

    Account emails sign with the app's name and public address (allauth would use the request's
    host, "127.0.0.1") and get the same HTML frame as the appointment emails."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {"app_name": APP_NAME, "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            html = render_to_string(
                "emails/account-layout.html", {"app_name": APP_NAME, "text": message.body}
            )
            message.attach_alternative(html, "text/html")
        return message
