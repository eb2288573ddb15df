import logging

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

logger = logging.getLogger(__name__)


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "core/landing.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, also remembering the choice on the user's account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in {"es", "en"}:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response = django_set_language(request)
    if response.status_code == 204:  # an unsafe `next`: go home instead of a blank page
        next_url = request.POST.get("next", "/")
        safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()})
        return redirect(next_url if safe else "/")
    return response
