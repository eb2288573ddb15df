import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from citas.accounts.models import User
from citas.core.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory
from citas.practices.models import Role

pytestmark = pytest.mark.django_db

STRONG = "Fisio-Valencia-2026!"


def _signup(client, **overrides):
    data = {
        "kind": "professional",
        "full_name": "Lucía Fernández",
        "email": "lucia@example.com",
        "password1": STRONG,
        "password2": STRONG,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def test_signing_up_as_a_professional_asks_to_verify_the_email_then_leads_to_onboarding(client):
    response = _signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="lucia@example.com")
    assert user.kind == "professional" and user.full_name == "Lucía Fernández"
    assert user.password.startswith("md5$")  # the test hasher; production uses argon2
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("practices:onboarding")


def test_signing_up_as_a_client_leads_to_my_appointments(client):
    _signup(client, kind="client", email="cliente@example.com")
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert client.get(response["Location"])["Location"] == reverse("home")


def test_the_landing_links_preselect_the_kind_of_account(client):
    html = client.get(reverse("account_signup") + "?as=professional").content.decode()
    assert re.search(r'value="professional" id="[^"]+" checked', html)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "no-es-un-email"}, "email", "Introduce una dirección de correo"),
        ({"full_name": "   "}, "full_name", "Este campo es obligatorio"),
        ({"full_name": "x" * 151}, "full_name", "151"),
        ({"password1": "123456", "password2": "123456"}, "password1", "demasiado corta"),
    ],
)
def test_bad_sign_up_input_gets_a_message_in_spanish_and_saves_nothing(
    client, overrides, field, message
):
    response = _signup(client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(str(e) for e in response.context["form"].errors.get(field, []))
    assert not User.objects.exists()


def test_an_unverified_account_cannot_log_in(client):
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_a_member_logs_in_by_email_and_lands_on_the_dashboard(client):
    membership = MembershipFactory(role=Role.PROFESSIONAL)
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email, "password": DEFAULT_PASSWORD},
    )
    assert client.get(response["Location"])["Location"] == reverse("practices:dashboard")


def test_login_is_rate_limited_after_repeated_failures(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_the_admin_login_goes_through_the_rate_limited_allauth_login(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_does_not_reveal_whether_an_account_exists(client):
    UserFactory(email="existe@example.com")
    known = client.post(reverse("account_reset_password"), {"email": "existe@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nadie@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The unknown address gets a neutral "no account" email instead of an error on screen.
    assert len(mail.outbox) == 2


def test_signing_up_with_a_taken_email_does_not_reveal_it(client):
    UserFactory(email="lucia@example.com")
    response = _signup(client)
    assert response.status_code == 302
    assert User.objects.filter(email="lucia@example.com").count() == 1


def test_passwords_are_hashed_with_argon2_by_the_project_settings():
    import config.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    "url_name", ["mfa_index", "usersessions_list", "account_email", "account_change_password"]
)
def test_account_security_pages_render_for_a_logged_in_user(client, url_name):
    client.force_login(UserFactory())
    response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_the_sessions_page_lists_the_users_sessions(client):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert len(response.context["sessions"]) == 1


def test_the_profile_saves_name_phone_and_language(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "José Ñúñez 👍", "phone": "+34 600", "language": "en"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.language) == ("José Ñúñez 👍", "en")
