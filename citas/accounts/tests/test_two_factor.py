"""Two-factor authentication through allauth's own pages: TOTP and recovery codes."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from citas.core.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Madrid"))


@pytest.fixture(autouse=True)
def frozen_clock():
    # TOTP codes change every 30 seconds: a still clock makes them predictable.
    with time_machine.travel(NOW, tick=False):
        yield


def _code(secret: str, *, shift: int = 0) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value((hotp_value(secret, counter) + shift) % 10**mfa_settings.TOTP_DIGITS)


def _log_in_with_password(client, user):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )


def _is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def _open_activation_page(client, user):
    """Log in, confirm the password again (allauth asks before security changes), open the page."""
    _log_in_with_password(client, user)
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    return client.get(reverse("mfa_activate_totp"))


def _activate_totp(client, user) -> str:
    """Activate TOTP with a code computed from the secret the page shows (kept in the session)."""
    page = _open_activation_page(client, user)
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    return secret


def _log_in_again(client, user):
    client.post(reverse("account_logout"))
    assert not _is_logged_in(client)
    response = _log_in_with_password(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _is_logged_in(client)


def test_activating_totp_asks_for_a_code_at_the_next_login(client):
    user = UserFactory()

    secret = _activate_totp(client, user)
    _log_in_again(client, user)

    refused = client.post(reverse("mfa_authenticate"), {"code": _code(secret, shift=1)})
    assert refused.status_code == 200
    assert "code" in refused.context["form"].errors
    assert not _is_logged_in(client)
    accepted = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert accepted.status_code == 302
    assert int(client.session[SESSION_KEY]) == user.pk


def test_a_wrong_activation_code_leaves_two_factor_off(client):
    user = UserFactory()
    _open_activation_page(client, user)
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret, shift=1)})

    assert "code" in response.context["form"].errors
    assert not Authenticator.objects.filter(user=user).exists()


def test_recovery_codes_are_generated_and_each_works_once(client):
    user = UserFactory()
    _activate_totp(client, user)
    codes = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"]
    assert len(codes) == mfa_settings.RECOVERY_CODE_COUNT
    assert len(set(codes)) == len(codes)

    _log_in_again(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert _is_logged_in(client)

    _log_in_again(client, user)
    reused = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "code" in reused.context["form"].errors
    assert not _is_logged_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert _is_logged_in(client)
