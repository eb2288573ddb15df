import hashlib
import json
import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
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


# --- installable web app: manifest, service worker, offline page ------------------------------

APP_THEME_COLOUR = "#1f6f78"
# What the service worker keeps for when the network is gone: the shared look and behaviour of
# every page, and the offline page itself (navigations answer it when they cannot reach us).
OFFLINE_ASSETS = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "css/app.css",
    "js/app.js",
    "img/icons.svg",
    "img/favicon.svg",
]


def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installing the app opens the practice area, full screen."""
    icons = [
        {"src": static("img/app-icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("img/app-icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("img/app-icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": "Gestor de Citas Profesionales",  # the product's name, in every language
        "short_name": "Gestor de Citas",
        "description": _("Appointments for professional practices."),
        "lang": translation.get_language(),
        "start_url": "/app/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": APP_THEME_COLOUR,
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js, at the root so that it may answer for every page. Its cache is named after the
    hashed asset addresses, so a new release replaces the old cache."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    offline_url = reverse("offline")
    version = hashlib.sha256("\n".join([*assets, offline_url]).encode()).hexdigest()[:12]
    response = render(
        request,
        "core/sw.js",
        {"assets_json": json.dumps(assets), "offline_url": offline_url, "version": version},
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"  # browsers look for a new worker on every visit
    return response


# Pages behind a sign-in or a secret link: nothing there is for search engines. The landing
# page, the practices' booking pages and their privacy notices stay open to them.
PRIVATE_PREFIXES = [
    "/app/",
    "/cuenta/",
    "/accounts/",
    "/mis-citas/",
    "/cita/",
    "/invitaciones/",
    "/admin/",
    "/api/",
]


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def offline(request: HttpRequest) -> HttpResponse:
    """What a page answers when the phone has no connection (served by the service worker)."""
    return render(request, "core/offline.html")
