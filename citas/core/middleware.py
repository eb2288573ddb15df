from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from .views import healthz

# Middleware that only add security headers to responses: /healthz goes through their
# process_response like every other page (a test compares the headers with the home page's).
HEADER_MIDDLEWARE = (SecurityMiddleware, XFrameOptionsMiddleware)


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
