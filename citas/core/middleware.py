from allauth.usersessions.internal import usersessionkit
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from .security import SecurityHeadersMiddleware
from .views import healthz

# Middleware that only add security headers to responses: /healthz goes through their
# process_response like every other page (a test compares the headers with the home page's).
# Every middleware that adds security headers to the site's responses (see config.settings).
HEADER_MIDDLEWARE = (
    SecurityMiddleware,
    XFrameOptionsMiddleware,
    CSPMiddleware,
    SecurityHeadersMiddleware,
)


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect: load balancers and the
    container health check call it by IP address over plain HTTP. Its response still gets the
    site's security headers."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header_middleware = [cls(get_response) for cls in HEADER_MIDDLEWARE]

    def __call__(self, request) -> HttpResponse:
        if request.path != "/healthz":
            return self.get_response(request)
        response = healthz(request)
        for middleware in self.header_middleware:
            response = middleware.process_response(request, response)
        return response


class ThrottledUserSessionsMiddleware:
    """allauth's session-activity tracking (last seen, IP, browser of each session), at most
    once every USERSESSIONS_ACTIVITY_INTERVAL seconds per session.

    allauth's own middleware writes the UserSession row on every request: several queries and
    a write per staff click. A cache key per session (`cache.add` succeeds once per interval)
    keeps the list of sessions accurate to the interval for one cache round trip.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        key = session.session_key if session is not None else None
        if key and user is not None and user.is_authenticated:
            interval = settings.USERSESSIONS_ACTIVITY_INTERVAL
            if cache.add(f"usersessions:seen:{key}", True, timeout=interval):
                usersessionkit.track_activity(request, user=user, session=session)
        return self.get_response(request)


class NulCharacterMiddleware:
    """Refuse a URL whose path or query string holds a NUL character with a 400: no text
    column of PostgreSQL can hold one, so any lookup with it (a token in the path, a filter)
    would fail in the database instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in k or "\x00" in "".join(v) for k, v in query):
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)
