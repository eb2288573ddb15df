import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citas.practices.models import Practice

TOKEN_PREFIX = "cit_"  # noqa: S105 — a public marker, not a secret


def new_raw_token() -> str:
    """`cit_` + 40 random URL-safe characters; the first 8 after `cit_` identify it in lists."""
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


class Scope(models.TextChoices):
    """What a token may do: read or write, per family of endpoints."""

    APPOINTMENTS_READ = "appointments:read", _("Read appointments")
    APPOINTMENTS_WRITE = "appointments:write", _("Book and change appointments")
    CLIENTS_READ = "clients:read", _("Read clients")
    CLIENTS_WRITE = "clients:write", _("Create, change and merge clients")
    WEBHOOKS_READ = "webhooks:read", _("Read webhooks")
    WEBHOOKS_WRITE = "webhooks:write", _("Manage webhooks")
    PRACTICE_WRITE = "practice:write", _("Change the practice's details")
    REPORTS_READ = "reports:read", _("Read the reports")
    ME_READ = "me:read", _("Read my own appointments as a client")
    ME_WRITE = "me:write", _("Cancel or change my own appointments as a client")


PERSONAL_SCOPES = (Scope.ME_READ, Scope.ME_WRITE)


def every_scope() -> list[str]:
    return list(Scope.values)


def default_expiry():
    return timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)

    def for_authentication(self, token_hash: str):
        """The live token with this hash, its user and practice, and as `member` the user's
        membership of that practice (None if they have left it, or for a personal token):
        what every API request needs, in one query."""
        return (
            self.live()
            .annotate(
                member=FilteredRelation(
                    "user__memberships", condition=Q(user__memberships__practice=F("practice"))
                )
            )
            .select_related("user", "practice", "member")
            .filter(token_hash=token_hash)
        )


class ApiToken(models.Model):
    """A member's personal API token for one practice, or a personal one (no practice) for the
    user's own appointments as a client. Only the SHA-256 of the secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="api_tokens", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    scopes = models.JSONField(_("permissions"), default=every_scope)
    expires_at = models.DateTimeField(_("expires at"), default=default_expiry)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        # Authentication looks tokens up by token_hash (unique, hence indexed); the token page
        # lists a user's tokens:
        indexes = [models.Index(fields=["user", "created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
