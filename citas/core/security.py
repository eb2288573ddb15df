"""Browser security headers beyond Django's and django-csp's, and the CSP violation report sink.

The Content-Security-Policy itself comes from django-csp (settings.CONTENT_SECURITY_POLICY);
Cross-Origin-Opener-Policy from Django's SecurityMiddleware.
"""

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("citas.csp")

# A report is a few hundred bytes; anything much larger is not worth logging.
MAX_REPORT_BYTES = 16 * 1024


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.process_response(request, self.get_response(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _kept_out_of_search(request):
            response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        return response


def _kept_out_of_search(request: HttpRequest) -> bool:
    """Pages behind a sign-in, and every page whose address carries a secret (a manage link, a
    waiting-list offer, an email check, a booking's confirmation page): robots.txt only asks
    crawlers not to fetch them, and a link posted somewhere could still be listed; this header
    asks search engines not to list them at all."""
    from citas.core.views import PRIVATE_PREFIXES

    match = request.resolver_match
    return request.path.startswith(tuple(PRIVATE_PREFIXES)) or bool(
        match and "token" in match.kwargs
    )


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers POST here what the Content-Security-Policy blocked; we log it."""
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(report, dict | list):
        return HttpResponse(status=400)
    logger.warning("CSP violation: %s", json.dumps(report, ensure_ascii=False)[:2000])
    return HttpResponse(status=204)
