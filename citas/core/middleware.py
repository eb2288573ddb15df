from django.http import HttpResponse

from .views import healthz


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect: load balancers and the
    container health check call it by IP address over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)
