"""Token scopes (a matrix of endpoint family × read/write), expiry and renewal, last use,
re-authentication before creating one, and /me/ limited to the token's practice."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from citas.api.models import ApiToken, Scope
from citas.core.factories import (
    DEFAULT_PASSWORD,
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    UserFactory,
)

from .conftest import free_start

pytestmark = pytest.mark.django_db


def _calls(clinic):
    """One read and one write per family; writes that pass the scope check may still fail
    validation (400), which is fine: only 403 means "refused by scope"."""
    appointment = AppointmentFactory(
        professional=clinic.professional, service=clinic.service, client=clinic.client_record
    )
    slug = clinic.practice.slug
    return {
        "appointments:read": ("get", reverse("api:appointments"), None),
        "appointments:write": (
            "post",
            reverse("api:appointment_cancel", args=[appointment.pk]),
            {"reason": "x"},
        ),
        "clients:read": ("get", reverse("api:clients"), None),
        "clients:write": ("post", reverse("api:clients"), {"full_name": "Nuevo Cliente"}),
        "webhooks:read": ("get", reverse("api:webhooks"), None),
        "webhooks:write": ("post", reverse("api:webhooks"), {"url": "https://example.com/h"}),
        "practice:write": ("patch", reverse("api:practice", args=[slug]), {"phone": "+34 600"}),
        "me:read": ("get", reverse("api:my_appointments"), None),
    }


@pytest.mark.parametrize("granted", [s for s in Scope.values if s != "me:write"])
def test_a_token_reaches_only_the_operations_its_scopes_allow(clinic, granted):
    calls = _calls(clinic)
    api = clinic.api(clinic.token_for(clinic.user, scopes=[granted]))
    for scope, (method, url, body) in calls.items():
        response = getattr(api, method)(url, body, format="json")
        if scope == granted:
            assert response.status_code != 403, (scope, response.content)
        else:
            assert response.status_code == 403, scope
            assert response.json()["error"]["code"] == "permission_denied", scope


def test_public_reads_need_no_scope(clinic):
    api = clinic.api(clinic.token_for(clinic.user, scopes=["me:read"]))
    assert api.get(reverse("api:practice", args=[clinic.practice.slug])).status_code == 200


def test_the_browser_session_is_not_limited_by_scopes(clinic, client):
    client.force_login(clinic.user)
    assert client.get(reverse("api:clients")).status_code == 200


# Expiry and last use


def test_tokens_expire_after_ninety_days_by_default(clinic):
    token = ApiToken.objects.get(user=clinic.user)
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=90), abs=timedelta(minutes=1)
    )
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = clinic.api().get(reverse("api:appointments"))
    assert response.status_code == 401
    assert "caducó" in response.json()["error"]["message"]


def test_renewing_extends_the_token_by_the_lifetime_from_now(clinic, client):
    token = ApiToken.objects.get(user=clinic.user)
    later = timezone.now() + timedelta(days=60)
    with time_machine.travel(later):
        client.force_login(clinic.user)
        client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
        client.post(reverse("api:token_renew", args=[token.pk]))
        token.refresh_from_db()
        assert token.expires_at > later + timedelta(days=89)
    with time_machine.travel(timezone.now() + timedelta(days=120)):
        assert clinic.api().get(reverse("api:appointments")).status_code == 200


def test_renewing_needs_a_recent_sign_in(clinic, client):
    token = ApiToken.objects.get(user=clinic.user)
    expires = token.expires_at
    client.force_login(clinic.user)
    response = client.post(reverse("api:token_renew", args=[token.pk]))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    token.refresh_from_db()
    assert token.expires_at == expires


def test_another_users_token_cannot_be_renewed(clinic, other_clinic, client):
    token = ApiToken.objects.get(user=clinic.user)
    client.force_login(other_clinic.user)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert client.post(reverse("api:token_renew", args=[token.pk])).status_code == 404


def test_using_a_token_records_the_time_and_address(clinic):
    clinic.api().get(reverse("api:appointments"), REMOTE_ADDR="203.0.113.9")
    token = ApiToken.objects.get(user=clinic.user)
    assert token.last_used_at is not None
    assert token.last_used_ip == "203.0.113.9"


def test_the_page_shows_expiry_last_use_and_scopes(clinic, client):
    clinic.api().get(reverse("api:appointments"), REMOTE_ADDR="203.0.113.9")
    client.force_login(clinic.user)
    page = client.get(reverse("api:tokens")).content.decode()
    assert "203.0.113.9" in page
    assert "caduca" in page
    assert "appointments:write" in page


# Creation


def test_creating_a_token_asks_for_the_password_again(client):
    member = MembershipFactory()
    client.force_login(member.user)
    response = client.post(
        reverse("api:tokens"),
        {"practice": member.practice.pk, "name": "x", "scopes": ["appointments:read"]},
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.exists()


def test_a_personal_token_may_only_hold_personal_scopes(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    refused = client.post(
        reverse("api:tokens"), {"practice": "", "name": "x", "scopes": ["appointments:read"]}
    )
    assert "scopes" in refused.context["form"].errors
    created = client.post(
        reverse("api:tokens"), {"practice": "", "name": "x", "scopes": ["me:read"]}
    )
    assert created.status_code == 201
    token = ApiToken.objects.get()
    assert (token.practice, token.scopes) == (None, ["me:read"])


# /me/ and the token's practice


def _my_appointments_at_two_practices(clinic):
    """The clinic's owner is also a client of another practice."""
    mine = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=ClientFactory(practice=clinic.practice, user=clinic.user, email=clinic.user.email),
        start=free_start(),
    )
    elsewhere = ProfessionalFactory()
    other = AppointmentFactory(
        professional=elsewhere,
        client=ClientFactory(
            practice=elsewhere.practice, user=clinic.user, email=clinic.user.email
        ),
    )
    return mine, other


def test_a_practice_token_reads_only_that_practices_appointments_under_me(clinic):
    mine, other = _my_appointments_at_two_practices(clinic)
    response = clinic.api().get(reverse("api:my_appointments"))
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    cancel = reverse("api:my_appointment_cancel", args=[other.pk])
    assert clinic.api().post(cancel, {"reason": ""}, format="json").status_code == 404


def test_a_personal_token_reads_all_of_them(clinic):
    mine, other = _my_appointments_at_two_practices(clinic)
    personal = clinic.token_for(clinic.user, scopes=["me:read"], practice=None)
    response = clinic.api(personal).get(reverse("api:my_appointments"))
    assert {row["id"] for row in response.json()["results"]} == {mine.pk, other.pk}


def test_a_personal_token_cannot_reach_practice_endpoints(clinic):
    personal = clinic.token_for(clinic.user, scopes=["me:read", "me:write"], practice=None)
    assert clinic.api(personal).get(reverse("api:appointments")).status_code == 403
