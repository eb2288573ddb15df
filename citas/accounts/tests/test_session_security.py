"""Two-step verification enforcement (role × policy × route) and session lifetimes."""

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from citas.accounts.middleware import session_expired
from citas.core.factories import MembershipFactory, UserFactory, enable_two_factor
from citas.practices.models import Role, TwoFactorPolicy

pytestmark = pytest.mark.django_db

PRACTICE_ROUTES = [
    "practices:dashboard",
    "booking_staff:agenda",
    "booking_staff:appointment_list",
    "booking_staff:client_list",
    "catalog:list",
    "scheduling:time_off",
    "practices:settings",
    "notifications:log",
    "notifications:calendar_feed",
    "api:tokens",
]
REQUIRED = {
    TwoFactorPolicy.MANAGERS: {Role.OWNER, Role.ADMIN},
    TwoFactorPolicy.EVERYONE: set(Role),
    TwoFactorPolicy.NOBODY: set(),
}


@pytest.mark.parametrize("policy", list(TwoFactorPolicy))
@pytest.mark.parametrize("role", list(Role))
def test_members_the_policy_covers_are_sent_to_set_up_two_step_verification(client, role, policy):
    member = MembershipFactory(role=role, two_factor=False, practice__two_factor_policy=policy)
    client.force_login(member.user)
    for route in PRACTICE_ROUTES:
        response = client.get(reverse(route))
        if role in REQUIRED[policy]:
            assert response.status_code == 302, route
            assert response["Location"] == reverse("mfa_index"), route
        else:  # the page itself, or 404 where the role may not see it: never the setup page
            assert response.status_code in (200, 404), route


@pytest.mark.parametrize("role", list(Role))
def test_members_with_two_step_verification_open_every_practice_page(client, role):
    member = MembershipFactory(
        role=role, two_factor=True, practice__two_factor_policy=TwoFactorPolicy.EVERYONE
    )
    client.force_login(member.user)
    for route in PRACTICE_ROUTES:
        assert client.get(reverse(route)).status_code in (200, 404), route


def test_removing_two_step_verification_is_noticed_on_the_next_page(client):
    member = MembershipFactory(role=Role.OWNER, two_factor=True)
    client.force_login(member.user)
    assert client.get(reverse("booking_staff:agenda")).status_code == 200
    Authenticator.objects.filter(user=member.user).delete()
    assert client.get(reverse("booking_staff:agenda"))["Location"] == reverse("mfa_index")
    enable_two_factor(member.user)
    assert client.get(reverse("booking_staff:agenda")).status_code == 200


def test_new_practices_require_it_from_owners_and_admins(client):
    member = MembershipFactory(role=Role.OWNER, two_factor=False)
    assert member.practice.two_factor_policy == TwoFactorPolicy.MANAGERS
    client.force_login(member.user)
    response = client.get(reverse("practices:dashboard"), follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_index")
    assert "requires it" in response.content.decode() or "la exige" in response.content.decode()


def test_the_two_factor_setup_pages_stay_reachable(client):
    member = MembershipFactory(role=Role.OWNER, two_factor=False)
    client.force_login(member.user)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_admin_site_staff_always_need_it(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_index")
    enable_two_factor(staff)
    assert client.get(reverse("admin:index")).status_code == 200


def test_clients_are_not_asked_for_it(client):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200


def test_owners_choose_the_policy_in_the_practice_settings(owner_client, owner):
    response = owner_client.post(
        reverse("practices:settings"),
        {
            "name": owner.practice.name,
            "timezone": "Europe/Madrid",
            "two_factor_policy": TwoFactorPolicy.EVERYONE,
        },
    )
    assert response.status_code == 302
    owner.practice.refresh_from_db()
    assert owner.practice.two_factor_policy == TwoFactorPolicy.EVERYONE


def test_webauthn_is_offered_as_a_second_method(client):
    member = MembershipFactory(role=Role.OWNER, two_factor=False)
    client.force_login(member.user)
    page = client.get(reverse("mfa_index")).content.decode()
    assert reverse("mfa_list_webauthn") in page or reverse("mfa_add_webauthn") in page


# Session lifetimes


def test_the_rule_signs_staff_out_after_the_idle_timeout_and_the_lifetime(settings):
    settings.SESSION_IDLE_TIMEOUT_STAFF = 1800
    settings.SESSION_LIFETIME_STAFF = 12 * 3600
    assert not session_expired(started=0, last_seen=0, now=1799, staff=True)
    assert session_expired(started=0, last_seen=0, now=1801, staff=True)
    assert not session_expired(started=0, last_seen=12 * 3600 - 10, now=12 * 3600, staff=True)
    assert session_expired(started=0, last_seen=12 * 3600, now=12 * 3600 + 1, staff=True)


def test_clients_are_remembered_while_idle_until_their_lifetime(settings):
    settings.SESSION_LIFETIME_CLIENT = 14 * 86400
    assert not session_expired(started=0, last_seen=0, now=13 * 86400, staff=False)
    assert session_expired(started=0, last_seen=0, now=14 * 86400 + 1, staff=False)


def test_an_idle_member_is_signed_out_after_thirty_minutes(client, owner):
    client.force_login(owner.user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(reverse("practices:dashboard")).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=29), tick=False):
        assert client.get(reverse("practices:dashboard")).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=60), tick=False):
        response = client.get(reverse("practices:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session


def test_an_active_member_is_signed_out_at_the_absolute_lifetime(client, owner):
    client.force_login(owner.user)
    start = timezone.now()
    for minutes in range(0, 12 * 60, 20):
        with time_machine.travel(start + timezone.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("practices:dashboard")).status_code == 200
    with time_machine.travel(start + timezone.timedelta(hours=12, minutes=1), tick=False):
        response = client.get(reverse("practices:dashboard"))
    assert response["Location"].startswith(reverse("account_login"))


def test_an_idle_client_stays_signed_in(client):
    client.force_login(UserFactory())
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("home"))
    with time_machine.travel(start + timezone.timedelta(days=3), tick=False):
        assert client.get(reverse("home")).status_code == 200
    assert SESSION_KEY in client.session


def test_the_sessions_page_signs_out_the_other_sessions(client, owner):
    other_device = client.__class__()
    other_device.force_login(owner.user)
    other_device.get(reverse("practices:dashboard"))
    client.force_login(owner.user)
    page = client.get(reverse("usersessions_list"))
    assert "Cerrar las demás sesiones" in page.content.decode()
    client.post(reverse("usersessions_list"))
    assert other_device.get(reverse("practices:dashboard")).status_code == 302
    assert client.get(reverse("practices:dashboard")).status_code == 200
