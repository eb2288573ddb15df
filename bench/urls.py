"""The real URLs plus a constant JSON view: the baseline the availability endpoint is measured
against (same middleware, same test client, no database work)."""

from django.http import JsonResponse
from django.urls import include, path


def constant(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/constant/", constant, name="bench_constant"),
    path("", include("config.urls")),
]
