"""allauth ships no Galician catalogue: the app carries one (citas/accounts/allauth_gl/), so the
sign-in, sign-up, password and two-step pages read in Galician. Without it, Django falls back to
allauth's Spanish (the site's default language) or to allauth's English msgid."""

import gettext
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import allauth
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils.translation import trans_real

from citas.core.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[1] / "allauth_gl"

# Shown as they are in every language: the product's name and the language menu's own names.
SAME_IN_EVERY_LANGUAGE = {
    "Gestor de Citas",
    "Gestor de Citas Profesionales",
    "Español",
    "English",
    "Català",
    "Euskara",
    "Galego",
    "·",
    "*",
}
READ_ALOUD = ("placeholder", "aria-label", "title", "alt")


class VisibleText(HTMLParser):
    """The text a visitor sees or hears: text nodes and the attributes read aloud, outside
    script, style and template elements."""

    def __init__(self):
        super().__init__()
        self.hidden_depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "title"):
            self.hidden_depth += 1
        attributes = dict(attrs)
        self.texts += [attributes[name] for name in READ_ALOUD if attributes.get(name)]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "title"):
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            self.texts.append(data)


def visible_texts(response) -> set[str]:
    parser = VisibleText()
    parser.feed(response.content.decode())
    texts = {re.sub(r"\s+", " ", text).strip() for text in parser.texts}
    return {text for text in texts if re.search(r"[A-Za-z]{2}", text)}


def _allauth_spanish() -> dict[str, str]:
    """allauth's Spanish text → its msgid."""
    mo = Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)._catalog
    return {text: msgid for msgid, text in catalogue.items() if isinstance(msgid, str) and msgid}


ALLAUTH_SPANISH = _allauth_spanish()


def fallbacks(texts: set[str]) -> set[str]:
    """Texts that are allauth's Spanish or English wording of a msgid that no Galician
    catalogue translates (so Django fell back)."""
    galician = trans_real.translation("gl")._catalog
    found = set()
    for text in texts:
        for candidate in (text, text.rstrip(":")):
            msgid = ALLAUTH_SPANISH.get(candidate, candidate)
            if msgid in ALLAUTH_SPANISH.values() and msgid not in galician:
                found.add(text)
    return found


def english_left(client, url, method="get", data=None) -> set[str]:
    """What the Galician page shows exactly as the English page does, and what it shows from
    allauth's Spanish or English for want of a Galician translation."""
    send = getattr(client, method)
    galician = visible_texts(send(url, data or {}, HTTP_ACCEPT_LANGUAGE="gl"))
    english = visible_texts(send(url, data or {}, HTTP_ACCEPT_LANGUAGE="en"))
    return ((galician & english) | fallbacks(galician)) - SAME_IN_EVERY_LANGUAGE


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_the_entrance_pages_have_no_english_left_in_galician(client, name):
    assert english_left(client, reverse(name)) == set()


def test_a_failed_sign_in_explains_itself_in_galician(client):
    wrong = {"login": "nadie@example.com", "password": "non-e-esta"}

    assert english_left(client, reverse("account_login"), "post", wrong) == set()
    page = client.post(reverse("account_login"), wrong, HTTP_ACCEPT_LANGUAGE="gl")
    assert "O correo electrónico ou o contrasinal non son correctos." in page.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "account_change_password",
        "account_email",
        "account_logout",
        "account_reauthenticate",
        "account_inactive",
        "mfa_index",
        "mfa_generate_recovery_codes",
        "mfa_activate_totp",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
        "usersessions_list",
    ],
)
def test_the_account_pages_have_no_english_left_in_galician(client, name):
    user = UserFactory(password=DEFAULT_PASSWORD, full_name="Uxía Pereira")
    client.force_login(user)

    assert english_left(client, reverse(name)) - {user.get_short_name()} == set()


def test_an_account_with_two_step_verification_reads_in_galician(client):
    user = UserFactory(password=DEFAULT_PASSWORD, full_name="Uxía Pereira")
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    client.force_login(user)

    for name in ("mfa_index", "mfa_view_recovery_codes"):
        assert english_left(client, reverse(name)) - {user.get_short_name()} == set(), name


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
def test_the_galician_allauth_catalogue_is_complete_and_compiled(tmp_path):
    po = CATALOGUE / "gl" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert (po.parent / "django.mo").read_bytes() == (tmp_path / "out.mo").read_bytes()
