"""The installable web app: manifest, service worker and offline page."""

import json
import struct

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from citas.core.factories import MembershipFactory
from citas.core.views import OFFLINE_ASSETS

pytestmark = pytest.mark.django_db


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_manifest_makes_the_practice_area_installable(client):
    response = client.get(reverse("manifest"), HTTP_ACCEPT_LANGUAGE="es")

    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "es"
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        width, height = png_size(path)
        assert icon["sizes"] == f"{width}x{height}"
        sizes[icon.get("purpose", "any")] = max(sizes.get(icon.get("purpose", "any"), 0), width)
    # What Chromium asks of an installable app: a 192 and a 512 icon; maskable for Android.
    assert sizes["any"] >= 512 and sizes["maskable"] >= 512
    assert any(icon["sizes"] == "192x192" for icon in manifest["icons"])


def test_the_service_worker_keeps_the_shared_files_and_the_offline_page(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    for asset in OFFLINE_ASSETS:
        assert finders.find(asset), asset
        assert f"/static/{asset}" in body
    assert f'"{reverse("offline")}"' in body


def test_the_offline_page_speaks_the_visitors_language(client):
    spanish = client.get(reverse("offline"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(reverse("offline"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sin conexión" in spanish and "data-reload" in spanish
    assert "No connection" in english


def test_pages_for_people_who_sign_in_link_the_manifest_and_the_public_page_does_not(client):
    member = MembershipFactory()
    public = client.get(reverse("public_booking:page", args=[member.practice.slug]))
    assert 'rel="manifest"' not in public.content.decode()  # the booking page stays light

    client.force_login(member.user)
    staff = client.get("/app/", follow=True)
    assert f'rel="manifest" href="{reverse("manifest")}"' in staff.content.decode()


def test_the_policy_lets_the_worker_and_the_manifest_load_from_this_site_only(client):
    policy = client.get(reverse("offline"))["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
