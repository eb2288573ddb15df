import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from citas.core.models import BaseModel
from citas.core.tokens import hash_token


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class TwoFactorPolicy(models.TextChoices):
    MANAGERS = "managers", _("Owners and administrators")
    EVERYONE = "everyone", _("Everyone in the team")
    NOBODY = "nobody", _("Nobody (not recommended)")


class Practice(BaseModel):
    """An organisation that takes appointments: the tenant of every other record."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("public address"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Madrid", validators=[validate_timezone]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    two_factor_policy = models.CharField(
        _("require two-step verification"),
        max_length=16,
        choices=TwoFactorPolicy.choices,
        default=TwoFactorPolicy.MANAGERS,
        help_text=_("Members it applies to must set it up before they can open the practice."),
    )

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    PROFESSIONAL = "professional", _("Professional")
    RECEPTION = "reception", _("Reception")


MANAGER_ROLES = (Role.OWNER, Role.ADMIN)


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class Membership(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.practice} ({self.get_role_display()})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def needs_two_factor(self) -> bool:
        policy = self.practice.two_factor_policy
        return policy == TwoFactorPolicy.EVERYONE or (
            policy == TwoFactorPolicy.MANAGERS and self.can_manage
        )


class Professional(BaseModel):
    """A bookable member of a practice."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="professionals")
    membership = models.OneToOneField(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="professional"
    )
    display_name = models.CharField(_("name"), max_length=120)
    color = models.CharField(_("colour"), max_length=7, default="#0d6efd")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(BaseModel):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=[c for c in Role.choices if c[0] != Role.OWNER],
    )
    # Only the SHA-256 of the link's secret is kept: the app compares it and never shows it
    # again (a lost email means a new invitation). `token` holds the raw secret on the instance
    # that created it, for the email.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One open invitation per address and practice.
            models.UniqueConstraint(
                fields=["practice", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.practice}"

    def save(self, *args, **kwargs):
        if not self.token_hash:
            self.token = new_invitation_token()
            self.token_hash = hash_token(self.token)
        super().save(*args, **kwargs)
