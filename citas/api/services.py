from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.core.tokens import hash_token
from citas.practices.models import Membership, Practice

from .models import PERSONAL_SCOPES, ApiToken, Scope, default_expiry, new_raw_token


def api_token_create(
    *, user, practice: Practice | None, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """A new token for one of the user's practices, or a personal one (`practice=None`, for the
    user's own appointments only); the raw secret is returned once, never kept."""
    if (
        practice is not None
        and not Membership.objects.filter(user=user, practice=practice).exists()
    ):
        raise ServiceError(_("You are not a member of this practice."), field="practice")
    if not scopes or not set(scopes) <= set(Scope.values):
        raise ServiceError(_("Choose what the token may do."), field="scopes")
    if practice is None and not set(scopes) <= set(PERSONAL_SCOPES):
        raise ServiceError(
            _("A token without a practice can only use your own appointments."), field="scopes"
        )
    raw = new_raw_token()
    token = ApiToken.objects.create(
        user=user,
        practice=practice,
        name=name,
        scopes=sorted(set(scopes)),
        prefix=raw[4:12],
        token_hash=hash_token(raw),
    )
    return token, raw


@transaction.atomic
def api_token_renew(*, token: ApiToken) -> ApiToken:
    """Extend a live token by the full lifetime from now (the secret stays the same)."""
    if token.revoked_at is not None:
        raise ServiceError(_("A revoked token cannot be renewed."))
    token.expires_at = default_expiry()
    token.save(update_fields=["expires_at"])
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def practice_update(*, practice: Practice, by, **fields) -> Practice:
    """Change a practice's public contact details (name, address, phone, email)."""
    allowed = {"name", "address", "phone", "email"}
    changed = {name: value for name, value in fields.items() if name in allowed}
    if "name" in changed and not changed["name"].strip():
        raise ServiceError(_("Enter a name."), field="name")
    for name, value in changed.items():
        setattr(practice, name, value.strip())
    if changed:
        practice.save(update_fields=[*changed, "updated_at"])
    return practice
