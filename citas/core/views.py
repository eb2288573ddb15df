import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from citas.core.languages import is_supported

logger = logging.getLogger(__name__)


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "core/landing.html")


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # each dependency has its own errors; all mean "unavailable"
        logger.warning("Health check: %s: %s", type(error).__name__, error)
        return "unavailable"
    return "ok"


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _ping_cache() -> None:
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):  # Redis
        client.get_client().ping()
    else:
        cache.get("healthz")


def _ping_queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()


def _age(moment, now) -> int | None:
    return None if moment is None else max(int((now - moment).total_seconds()), 0)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Each dependency's state. 503 only when the site cannot serve (no database): without
    Redis or a worker, pages and booking still work and messages wait in the database."""
    from citas.notifications.health import last_worker_heartbeat, oldest_due_notification

    report = {
        "database": _check(_ping_database),
        "cache": _check(_ping_cache),
        "queue": _check(_ping_queue),
    }
    if report["database"] != "ok":
        return JsonResponse({"status": "error", **report}, status=503)
    now = timezone.now()
    report["worker_last_seen_seconds"] = _age(last_worker_heartbeat(), now)
    report["oldest_due_notification_seconds"] = _age(oldest_due_notification(now=now), now)
    degraded = "unavailable" in report.values()
    return JsonResponse({"status": "degraded" if degraded else "ok", **report})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, also remembering the choice on the user's account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and is_supported(language):
        request.user.language = language
        request.user.save(update_fields=["language"])
    response = django_set_language(request)
    if response.status_code == 204:  # an unsafe `next`: go home instead of a blank page
        next_url = request.POST.get("next", "/")
        safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()})
        return redirect(next_url if safe else "/")
    return response
