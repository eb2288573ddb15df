import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_landing_page_speaks_spanish_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert "Soy profesional" in response.content.decode()


def test_the_landing_page_follows_the_browser_language(client):
    response = client.get("/", headers={"accept-language": "en"})
    assert "I am a professional" in response.content.decode()


@pytest.mark.parametrize(
    ("accept_language", "i_am_a_professional"),
    [
        ("ca", "Soc professional"),
        ("eu", "Profesionala naiz"),
        ("gl", "Son profesional"),
        ("ca-ES,ca;q=0.9,es;q=0.8", "Soc professional"),
        ("eu-ES,eu;q=0.9", "Profesionala naiz"),
        ("gl-ES,gl;q=0.9", "Son profesional"),
    ],
)
def test_the_pages_speak_catalan_basque_and_galician_to_a_browser_that_asks(
    client, accept_language, i_am_a_professional
):
    page = client.get("/", headers={"accept-language": accept_language}).content.decode()
    language = accept_language[:2]
    assert f'<html lang="{language}">' in page
    assert i_am_a_professional in page
    assert f'<option value="{language}" lang="{language}" selected>' in page


def test_the_language_menu_names_each_language_in_itself(client):
    page = client.get("/").content.decode()
    for code, name in [("es", "Español"), ("en", "English"), ("ca", "Català")]:
        assert f'value="{code}" lang="{code}"' in page and f">{name}</option>" in page
    assert ">Euskara</option>" in page and ">Galego</option>" in page


@pytest.mark.parametrize("language", ["ca", "eu", "gl"])
def test_the_language_switcher_accepts_catalan_basque_and_galician(client, language):
    from citas.core.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    user.refresh_from_db()
    assert user.language == language
    assert f'<html lang="{language}">' in client.get("/").content.decode()


def test_the_language_switcher_changes_the_language_and_goes_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "I am a professional" in client.get("/").content.decode()


def test_the_language_switcher_refuses_an_external_next(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_language_switcher_remembers_the_choice_on_the_account(client, django_user_model):
    from citas.core.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_healthz_answers_200_when_the_database_answers_and_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "queue": "ok",
        "worker_last_seen_seconds": None,
        "oldest_due_notification_seconds": None,
    }


def test_healthz_reports_the_workers_heartbeat_and_the_oldest_due_message(client, owner):
    from citas.notifications.health import worker_heartbeat
    from citas.notifications.models import Notification

    now = timezone.now()
    worker_heartbeat(worker="host:1:2", now=now - timedelta(seconds=30))
    Notification.objects.create(
        practice=owner.practice,
        kind="daily_agenda",
        recipient="a@example.com",
        due_at=now - timedelta(minutes=10),
    )

    body = client.get("/healthz").json()

    assert 30 <= body["worker_last_seen_seconds"] < 40
    assert 600 <= body["oldest_due_notification_seconds"] < 610


SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Permissions-Policy",
)


def test_healthz_has_the_same_security_headers_as_every_other_page(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    page = client.get("/", secure=True)
    health = client.get("/healthz", secure=True)

    def headers(response) -> dict:
        # The policy is the same; only a page that uses the CSP nonce carries one.
        found = {name: response.headers.get(name) for name in SECURITY_HEADERS}
        found["Content-Security-Policy"] = re.sub(
            r" 'nonce-[^']+'", "", found["Content-Security-Policy"] or ""
        )
        return found

    expected = headers(page)
    assert expected["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in expected["Content-Security-Policy"]
    assert headers(health) == expected


def test_the_error_page_never_claims_that_nothing_was_changed():
    from django.template.loader import render_to_string
    from django.utils import translation

    for language in ("es", "en"):
        with translation.override(language):
            page = render_to_string("500.html")
        assert "Nothing was changed" not in page
        assert "No se ha cambiado nada" not in page
    with translation.override("en"):
        assert "may have been saved" in render_to_string("500.html")


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch("citas.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_missing_page_is_a_404_page_in_the_users_language(client, settings):
    settings.DEBUG = False
    response = client.get("/no-existe/", headers={"accept-language": "es"})
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()
    response = client.get("/no-existe/", headers={"accept-language": "en"})
    assert "Page not found" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("es"):
        html = render_to_string("500.html")
    assert "Algo ha ido mal" in html


def test_static_vendor_files_carry_their_licences():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[3] / "static" / "vendor"
    folders = [p for p in vendor.iterdir() if p.is_dir()]
    assert {p.name for p in folders} >= {"bootstrap", "htmx", "event-calendar"}
    for folder in folders:
        assert (folder / "LICENSE").exists(), folder


def test_healthz_answers_for_any_host_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["citas.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", headers={"host": "10.0.3.7:8000"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/invitaciones/%C3%B1%00/", "/cita/%00/", "/feed/a%00.ics", "/app/citas/?q=%00"],
)
def test_a_nul_character_in_the_url_is_a_400(client, db, path):
    assert client.get(path).status_code == 400


def test_a_nul_character_under_the_api_is_a_json_400(client, db):
    response = client.get("/api/v1/practices/x/availability/?service=%00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_the_language_menu_marks_the_language_of_each_page(client):
    for code in ("es", "en", "gl", "es"):
        page = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE=code).content.decode()
        assert re.findall(r'<option value="(\w+)" lang="\w+" selected>', page) == [code]
        assert re.findall(r'<option value="(\w+)"', page) == ["es", "en", "ca", "eu", "gl"]
