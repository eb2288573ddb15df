"""The site's error pages: HTML for people, the API's JSON error shape under /api/.

These run when a view or a middleware fails outside the API's own exception handler (a
database that does not answer, a bug, a request Django refuses): an API client still reads
`{"error": {...}}`. Nothing here touches the database.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message: str, status: int) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return JsonResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return _json("bad_request", _("The request could not be read."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return _json("permission_denied", _("You do not have permission to do this."), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return _json("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def _database_unreachable() -> bool:
    # Django calls handler500 inside its `except` block: the exception is the current one.
    return isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    if _database_unreachable():
        # Not a bug: the database did not answer (down, failing over, a cut connection).
        if _is_api(request):
            message = _("The service is briefly unavailable. Please try again in a moment.")
            response = _json("unavailable", message, 503)
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "60"
        return response
    if _is_api(request):
        message = _("Something went wrong on our side. Please try again in a moment.")
        return _json("server_error", message, 500)
    return defaults.server_error(request)
