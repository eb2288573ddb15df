import re

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail

from citas.practices.models import Membership, Practice, Role

from .conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Fisio-Valencia-2026!"


def _link(pattern: str, message) -> str:
    return re.search(pattern, message.body).group(0)


def _sign_up(page, base, *, email, name, kind_label, next_path=""):
    page.goto(f"{base}/accounts/signup/{next_path}")
    page.get_by_label(kind_label).check()
    page.get_by_label("Nombre completo").fill(name)
    page.get_by_label("Correo electrónico").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Registrarse").click()
    page.get_by_text("Confirma tu dirección de correo").first.wait_for()


def _verify(page, live_server, email):
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    link = _link(r"http://[^\s]+/accounts/confirm-email/[^\s/]+/", message)
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name="Confirmar").click()


def _set_up_authenticator_app(page):
    """The practice requires two-step verification from its owner: activate an authenticator
    app with a code computed from the secret allauth keeps in the session."""
    page.get_by_text("Configura la verificación en dos pasos para continuar").wait_for()
    page.get_by_role("link", name="Activar").first.click()
    # allauth asks for the password again before a security change.
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirmar").click()
    page.locator("input[name=code]").wait_for()
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    secret = Session.objects.get(session_key=session_key).get_decoded()[SECRET_SESSION_KEY]
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Activar").click()
    page.get_by_text("Aplicación de autenticación activada.").wait_for()


def test_a_professional_signs_up_creates_a_practice_and_a_colleague_joins(
    live_server, phone_page, browser, settings
):
    settings.SITE_URL = live_server.url
    page = phone_page
    page.goto(live_server.url)
    page.get_by_role("link", name="Soy profesional").click()
    _sign_up(
        page,
        live_server.url,
        email="lucia@example.com",
        name="Lucía Fernández",
        kind_label="Un profesional: quiero gestionar mi consulta",
        next_path="?as=professional",
    )
    _verify(page, live_server, "lucia@example.com")

    page.get_by_role("heading", name="Crea tu consulta").wait_for()
    page.locator("input[name=name]").fill("Fisio Centro Valencia")
    page.get_by_label("Zona horaria").select_option("Europe/Madrid")
    page.locator("input[name=address]").fill("Calle Colón 5, Valencia")
    page.get_by_label("Teléfono").fill("+34 960 000 000")
    page.get_by_role("button", name="Crear consulta").click()
    page.get_by_text("Tu consulta «Fisio Centro Valencia» está lista.").wait_for()
    practice = Practice.objects.get(name="Fisio Centro Valencia")
    _set_up_authenticator_app(page)
    page.goto(f"{live_server.url}/app/")

    # The owner invites a colleague from the team page (through the phone's menu).
    page.get_by_role("button", name="Menú").click()
    # Bootstrap adds "show" once the menu has finished opening; a tap on the practice menu
    # while it still slides open can be lost on a loaded machine.
    page.locator(".navbar-collapse.show").wait_for()
    page.get_by_role("button", name="Consulta").click()
    page.get_by_role("link", name="Equipo").click()
    page.get_by_label("Correo electrónico").fill("pablo@example.com")
    page.get_by_label("Rol").select_option("professional")
    page.get_by_role("button", name="Enviar invitación").click()
    page.get_by_text("Invitación enviada a pablo@example.com.").wait_for()
    invitation_link = _link(r"http://[^\s]+/invitaciones/[^\s/]+/", mail.outbox[-1])

    # The colleague opens the link on a desktop, creates an account, verifies it and accepts.
    colleague = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    other = colleague.new_page()
    other.goto(invitation_link)
    other.get_by_role("link", name="Crear una cuenta").click()
    other.get_by_label("Un profesional: quiero gestionar mi consulta").check()
    other.get_by_label("Nombre completo").fill("Pablo Soler")
    other.get_by_label("Correo electrónico").fill("pablo@example.com")
    other.locator("input[name=password1]").fill(PASSWORD)
    other.locator("input[name=password2]").fill(PASSWORD)
    other.get_by_role("button", name="Registrarse").click()
    _verify(other, live_server, "pablo@example.com")
    # The sign-up remembered where the colleague came from: back to the invitation.
    other.get_by_role("heading", name="Invitación a Fisio Centro Valencia").wait_for()
    other.get_by_role("button", name="Aceptar invitación").click()
    other.get_by_text("Te damos la bienvenida a Fisio Centro Valencia.").wait_for()
    colleague.close()

    membership = Membership.objects.get(user__email="pablo@example.com")
    assert (membership.practice, membership.role) == (practice, Role.PROFESSIONAL)
    page.reload()
    page.get_by_text("pablo@example.com").first.wait_for()
