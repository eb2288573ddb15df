"""allauth's pages, messages and emails speak with the app's voice ("tú", sentence case, one name
per thing) in Spanish and English, and sign with the app's name instead of the request's host."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from citas.core.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Fisio-Valencia-2026!"


def _sign_up(client, language):
    return client.post(
        reverse("account_signup"),
        {
            "kind": "professional",
            "full_name": "Lucía Fernández",
            "email": "lucia@example.com",
            "password1": STRONG,
            "password2": STRONG,
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_verification_email_is_the_apps_own_in_spanish_with_an_html_part(client, settings):
    settings.SITE_URL = "https://citas.example.com"
    _sign_up(client, "es")
    (message,) = mail.outbox
    assert message.subject == "Confirma tu dirección de correo"
    assert message.body.startswith("Hola:")
    assert "Alguien (esperamos que tú) ha usado lucia@example.com" in message.body
    assert "El equipo de Gestor de Citas\nhttps://citas.example.com" in message.body
    assert "de parte de" not in message.body and "usted" not in message.body.lower()
    assert re.search(r"/accounts/confirm-email/[^/\s]+/", message.body)
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html" and 'lang="es"' in html
    assert re.search(r'<a href="http://testserver/accounts/confirm-email/[^"]+"', html)


def test_the_verification_email_in_english(client):
    _sign_up(client, "en")
    (message,) = mail.outbox
    assert message.subject == "Confirm your email address"
    assert message.body.startswith("Hello,")
    assert "The Gestor de Citas team" in message.body


def test_the_password_reset_page_and_email_read_naturally_in_spanish(client):
    UserFactory(email="lucia@example.com")
    page = client.get(reverse("account_reset_password"), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert "Restablecer contraseña" in html and "Contraseña</" not in html.split("<h1")[1][:80]
    assert "¿Has olvidado tu contraseña?" in html and "Introduzca" not in html
    client.post(
        reverse("account_reset_password"),
        {"email": "lucia@example.com"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    (message,) = mail.outbox
    assert message.subject == "Restablece tu contraseña"
    assert "Si no lo has pedido tú, ignora este correo" in message.body


def test_signing_in_says_so_in_the_apps_voice(client):
    user = UserFactory(kind="client")
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith("Has iniciado sesión como") for t in texts), texts
    assert not any("exitosamente" in t for t in texts)


@pytest.mark.parametrize(
    ("language", "name", "other_names"),
    [
        ("es", "Verificación en dos pasos", ("doble factor", "dos factores")),
        ("en", "Two-step verification", ("Two-factor", "two-factor")),
    ],
)
def test_two_step_verification_has_one_name_on_the_account_pages(
    owner_client, language, name, other_names
):
    html = owner_client.get(reverse("mfa_index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert name in html
    assert not any(other in html for other in other_names)


def test_the_practice_menu_and_the_page_call_the_booking_rules_the_same(owner_client):
    html = owner_client.get(reverse("scheduling:policy"), HTTP_ACCEPT_LANGUAGE="es").content
    html = html.decode()
    assert html.count("Reglas de reserva") >= 2 and "Normas de reserva" not in html
