"""Session security: idle and absolute session lifetimes, and two-step verification enforcement.

Both run after authentication. "Staff" here means a practice member or a Django staff user; their
sessions time out after a short idle period, while clients keep allauth's "remember me".
"""

import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from citas.core.urls import cached_reverse
from citas.practices.selectors import current_membership

STARTED_KEY = "citas_session_started"
LAST_SEEN_KEY = "citas_session_last_seen"
# Writing the session on every request would turn each page view into a database write.
LAST_SEEN_RESOLUTION = 60


def stamp_new_session(sender, request, user, **kwargs):
    """Start the clocks when the user signs in, in the same session write as the login."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[LAST_SEEN_KEY] = now


def is_staff_session(request: HttpRequest) -> bool:
    return request.user.is_staff or current_membership(request) is not None


def session_expired(*, started: float, last_seen: float, now: float, staff: bool) -> bool:
    """Pure rule: has the session outlived its idle timeout or its absolute lifetime?"""
    if staff:
        idle, lifetime = settings.SESSION_IDLE_TIMEOUT_STAFF, settings.SESSION_LIFETIME_STAFF
    else:
        idle, lifetime = None, settings.SESSION_LIFETIME_CLIENT
    return now - started > lifetime or (idle is not None and now - last_seen > idle)


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            started = session.setdefault(STARTED_KEY, now)
            last_seen = session.get(LAST_SEEN_KEY, now)
            staff = is_staff_session(request)
            if session_expired(started=started, last_seen=last_seen, now=now, staff=staff):
                auth.logout(request)
                messages.info(request, _("Your session expired. Sign in again to continue."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def has_two_factor(request: HttpRequest) -> bool:
    """Has the signed-in user set up two-step verification? A member's answer came with the
    membership (`memberships_for`); anyone else's costs a query."""
    membership = current_membership(request)
    if membership is not None:
        return membership.user_has_mfa
    return is_mfa_enabled(request.user)


def two_factor_required(request: HttpRequest) -> bool:
    """Does this request open a page that the user may only see with two-step verification?"""
    path = request.path_info
    if path.startswith(cached_reverse("admin:index")):
        return request.user.is_staff
    if path.startswith(cached_reverse("practices:dashboard")) or path.startswith(
        cached_reverse("api:tokens")
    ):
        membership = current_membership(request)
        return membership is not None and membership.needs_two_factor
    return False


class TwoFactorRequiredMiddleware:
    """A member whose practice requires two-step verification (and every admin-site user) is
    sent to set it up before any practice page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and two_factor_required(request) and not has_two_factor(request):
            messages.warning(
                request,
                _("Set up two-step verification to continue: your practice requires it."),
            )
            return redirect("mfa_index")
        return self.get_response(request)
