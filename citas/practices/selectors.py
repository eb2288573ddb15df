from django.http import Http404, HttpRequest
from django.utils import timezone

from .models import Invitation, Membership

SESSION_KEY = "current_practice_id"


def memberships_for(user) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("practice", "professional")
        .order_by("practice__name")
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership for the practice the user is working in (chosen in the session)."""
    if not hasattr(request, "_current_membership"):
        memberships = memberships_for(request.user)
        wanted = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        chosen = next((m for m in memberships if m.practice_id == wanted), None)
        request._current_membership = chosen or (memberships[0] if memberships else None)
        request._memberships = memberships
    return request._current_membership


def require_membership(request: HttpRequest, *, manager: bool = False) -> Membership:
    """The current membership, or 404: the caller may not see practice pages at all."""
    membership = current_membership(request)
    if membership is None or (manager and not membership.can_manage):
        raise Http404
    return membership


def open_invitations_for(user):
    """Invitations addressed to the user's email that can still be accepted."""
    return (
        Invitation.objects.filter(
            email__iexact=user.email,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .exclude(practice__memberships__user=user)
        .select_related("practice")
    )
