"""Who may call what: a member of the practice (by token or session), or a manager."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from citas.practices.models import Membership
from citas.practices.selectors import current_membership

from .models import ApiToken


def membership_for(request) -> Membership | None:
    """The membership a request acts as: the token's practice, or the session's current one."""
    if not hasattr(request, "_api_membership"):
        if isinstance(request.auth, ApiToken):
            membership = request.auth.member  # read with the token (for_authentication)
        else:
            membership = current_membership(request._request)
        request._api_membership = membership
    return request._api_membership


class HasTokenScope(permissions.BasePermission):
    """A token may call a view only with its family's read (safe methods) or write scope.
    Views name their family in `scope`; sessions (the browser) are not limited by scopes."""

    message = _("This token does not have the permission this operation needs.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        safe = request.method in permissions.SAFE_METHODS
        if safe and getattr(view, "public_reads", False):
            return True
        family = getattr(view, "scope", None)
        return family is not None and request.auth.allows(f"{family}:{'read' if safe else 'write'}")


class IsPracticeMember(permissions.BasePermission):
    message = _("Only members of a practice can use this endpoint.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            membership_for(request) is not None
        )


class IsPracticeManager(IsPracticeMember):
    message = _("Only the practice's owner or administrators can do this.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view) and membership_for(request).can_manage


class IsPracticeManagerOnly(IsPracticeMember):
    """Reads too: what these endpoints show (e.g. signing secrets) is for managers only."""

    message = _("Only the practice's owner or administrators can do this.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and membership_for(request).can_manage
