from datetime import time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from citas.accounts.models import User
from citas.core.emails import send_template_email
from citas.core.errors import ServiceError
from citas.scheduling.services import (
    schedule_version_bump,
    working_hours_apply_default,
    working_hours_set,
)

from .models import Invitation, Membership, Practice, Professional, Role

INVITATION_VALIDITY = timedelta(days=7)
RESERVED_SLUGS = {"admin", "api", "app", "accounts", "static", "healthz", "i18n", "mis-citas"}
# Weekday → ranges of a new practice's default template, so its booking page works at once.
STARTER_HOURS = {weekday: [(time(9), time(14)), (time(15), time(19))] for weekday in range(5)}


def _free_slug(base: str) -> str:
    base = slugify(base)[:50] or "consulta"
    candidate, n = base, 2
    while candidate in RESERVED_SLUGS or Practice.objects.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def practice_create(
    *,
    owner: User,
    name: str,
    timezone_name: str,
    slug: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    owner_is_bookable: bool = True,
) -> Practice:
    if slug and (slug in RESERVED_SLUGS or Practice.objects.filter(slug=slug).exists()):
        raise ServiceError(_("That address is already taken. Try another one."), field="slug")
    try:
        with transaction.atomic():
            practice = Practice.objects.create(
                name=name,
                slug=slug or _free_slug(name),
                timezone=timezone_name,
                address=address,
                phone=phone,
                email=email or owner.email,
            )
            membership = Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
            if owner_is_bookable:
                working_hours_set(practice=practice, professional=None, ranges=STARTER_HOURS)
                professional = Professional.objects.create(
                    practice=practice, membership=membership, display_name=str(owner)
                )
                working_hours_apply_default(professional=professional)
    except IntegrityError as exc:  # a concurrent sign-up took the same slug
        raise ServiceError(
            _("That address is already taken. Try another one."), field="slug"
        ) from exc
    return practice


def invitation_create(*, practice: Practice, email: str, role: str, by: User) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise ServiceError(_("This person is already a member of the practice."), field="email")
    now = timezone.now()
    with transaction.atomic():
        # A new invitation to the same address replaces the previous open one.
        Invitation.objects.filter(
            practice=practice, email__iexact=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            practice=practice,
            email=email,
            role=role,
            invited_by=by,
            expires_at=now + INVITATION_VALIDITY,
        )
        transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    send_template_email(
        "invitation",
        to=invitation.email,
        context={
            "invitation": invitation,
            "accept_url": f"{settings.SITE_URL}/invitaciones/{invitation.token}/",
        },
    )


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(revoked_at=timezone.now())


def invitation_check(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise ServiceError(_("This invitation has already been used."), code="used")
    if invitation.revoked_at:
        raise ServiceError(_("This invitation was withdrawn by the practice."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ServiceError(
            _("This invitation has expired. Ask the practice for a new one."), code="expired"
        )


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        invitation_check(invitation)
        if invitation.email.lower() != user.email.lower():
            raise ServiceError(
                _("This invitation was sent to %(email)s. Log in with that address to accept it.")
                % {"email": invitation.email},
                code="wrong_user",
            )
        membership, created = Membership.objects.get_or_create(
            user=user, practice=invitation.practice, defaults={"role": invitation.role}
        )
        if created and invitation.role == Role.PROFESSIONAL:
            professional = Professional.objects.create(
                practice=invitation.practice, membership=membership, display_name=str(user)
            )
            working_hours_apply_default(professional=professional)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
    return membership


def _owners_left(practice: Practice, excluding: Membership) -> int:
    return (
        Membership.objects.filter(practice=practice, role=Role.OWNER)
        .exclude(pk=excluding.pk)
        .count()
    )


def membership_change_role(*, membership: Membership, role: str, by: Membership) -> Membership:
    if by.role != Role.OWNER:
        raise ServiceError(_("Only the owner can change roles."), code="forbidden")
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and not _owners_left(membership.practice, membership)
    ):
        raise ServiceError(_("A practice needs at least one owner."), field="role")
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        if role == Role.PROFESSIONAL:
            professional, created = Professional.objects.get_or_create(
                membership=membership,
                defaults={"practice": membership.practice, "display_name": str(membership.user)},
            )
            if created:
                working_hours_apply_default(professional=professional)
    return membership


def membership_remove(*, membership: Membership, by: Membership) -> None:
    if by.role != Role.OWNER:
        raise ServiceError(_("Only the owner can remove members."), code="forbidden")
    if membership.role == Role.OWNER and not _owners_left(membership.practice, membership):
        raise ServiceError(_("A practice needs at least one owner."), code="last_owner")
    with transaction.atomic():
        # The professional record stays (appointments point at it), but is no longer bookable.
        Professional.objects.filter(membership=membership).update(is_active=False, membership=None)
        membership.delete()
        schedule_version_bump(practice_id=membership.practice_id)
