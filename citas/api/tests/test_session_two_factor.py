"""Two-step verification on the API when it is called with the browser session (role × policy ×
route): a member the practice's policy covers who has not set it up gets a 403, never data."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from citas.core.factories import AppointmentFactory, MembershipFactory, enable_two_factor
from citas.practices.models import Role, TwoFactorPolicy

pytestmark = pytest.mark.django_db

REQUIRED = {
    TwoFactorPolicy.MANAGERS: {Role.OWNER, Role.ADMIN},
    TwoFactorPolicy.EVERYONE: set(Role),
    TwoFactorPolicy.NOBODY: set(),
}


def api_routes(practice) -> list[tuple[str, str]]:
    return [
        ("get", reverse("api:appointments")),
        ("get", reverse("api:clients")),
        ("get", reverse("api:webhooks")),
        ("get", reverse("api:my_appointments")),
        ("get", reverse("api:practice", args=[practice.slug])),
        ("get", reverse("api:report", args=["occupancy"])),
        ("post", reverse("api:clients")),
    ]


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("policy", list(TwoFactorPolicy))
@pytest.mark.parametrize("role", list(Role))
def test_members_the_policy_covers_get_a_403_on_every_api_route(role, policy):
    member = MembershipFactory(role=role, two_factor=False, practice__two_factor_policy=policy)
    appointment = AppointmentFactory(professional__practice=member.practice)
    client = session_client(member.user)
    for method, url in api_routes(member.practice):
        response = getattr(client, method)(url, {}, format="json")
        body = response.json()
        if role in REQUIRED[policy]:
            assert response.status_code == 403, url
            assert body["error"]["code"] == "two_factor_required", url
            assert reverse("mfa_index") in body["error"]["message"], url
            assert appointment.client.full_name not in response.content.decode(), url
        else:
            assert body.get("error", {}).get("code") != "two_factor_required", url


def test_the_refusal_is_in_the_members_language():
    member = MembershipFactory(role=Role.OWNER, two_factor=False)
    client = session_client(member.user)
    response = client.get(reverse("api:appointments"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert "verificación en dos pasos" in response.json()["error"]["message"]


@pytest.mark.parametrize("role", list(Role))
def test_with_two_step_verification_the_session_reads_the_api(role):
    member = MembershipFactory(
        role=role, two_factor=False, practice__two_factor_policy=TwoFactorPolicy.EVERYONE
    )
    enable_two_factor(member.user)
    client = session_client(member.user)
    assert client.get(reverse("api:appointments")).status_code == 200
    assert client.get(reverse("api:my_appointments")).status_code == 200


def test_a_token_is_not_affected_by_the_session_rule(clinic):
    """Tokens are made behind the two-step page; the rule is about the session cookie."""
    response = clinic.api().get(reverse("api:appointments"))
    assert response.status_code == 200
