"""API /api/v1/clients/{id}/consents/: the client's consent history, and a consent given or
withdrawn by phone or in person, under the client page's rules; scopes, roles and tenancy."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.booking.tests.helpers import bookable_practice
from citas.core.factories import ClientFactory, UserFactory
from citas.practices.models import Role
from citas.privacy.models import (
    AuditAction,
    AuditEntry,
    ConsentChannel,
    ConsentRecord,
    PrivacySettings,
)
from citas.privacy.services import consent_record

from .conftest import member_of


def api_for(practice, role=Role.OWNER, scopes=None):
    membership = member_of(practice, role)
    _token, secret = api_token_create(
        user=membership.user, practice=practice, name="t", scopes=scopes or every_scope()
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="es")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    api.user = membership.user
    return api


def url(person):
    return reverse("api:client_consents", args=[person.pk])


@pytest.fixture
def offered(s):
    PrivacySettings.objects.create(practice=s.practice, marketing_consent_offered=True)


def test_the_history_lists_every_answer_newest_first(s, person):
    consent_record(client=person, purpose="appointments", granted=True, channel="booking_page")
    consent_record(client=person, purpose="sms", granted=True, channel=ConsentChannel.STAFF)
    consent_record(client=person, purpose="sms", granted=False, channel=ConsentChannel.STAFF)
    ClientFactory(practice=s.practice)  # another client's history stays out

    response = api_for(s.practice, Role.RECEPTION).get(url(person))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["purpose"], r["granted"]) for r in rows] == [
        ("sms", False),
        ("sms", True),
        ("appointments", True),
    ]
    assert rows[0]["channel"] == "staff" and rows[0]["notice_version"] == 1


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.RECEPTION, Role.PROFESSIONAL])
def test_staff_record_a_marketing_acceptance_and_withdrawal(s, person, offered, role):
    api = api_for(s.practice, role)

    accepted = api.post(url(person), {"purpose": "marketing", "granted": True}, format="json")
    withdrawn = api.post(url(person), {"purpose": "marketing", "granted": False}, format="json")

    assert accepted.status_code == 201 and withdrawn.status_code == 201
    assert accepted.json()["channel"] == "staff" and accepted.json()["granted"] is True
    assert accepted.json()["recorded_by"] == api.user.email
    assert list(
        ConsentRecord.objects.order_by("pk").values_list("purpose", "granted", "channel")
    ) == [("marketing", True, "staff"), ("marketing", False, "staff")]
    logged = AuditEntry.objects.filter(action=AuditAction.CONSENT_CHANGED, actor=api.user)
    assert logged.count() == 2 and logged.first().object_id == str(person.pk)


def test_marketing_is_refused_when_the_practice_does_not_offer_it(s, person):
    response = api_for(s.practice).post(
        url(person), {"purpose": "marketing", "granted": True}, format="json"
    )

    assert response.status_code == 400
    assert "no pide el consentimiento" in response.json()["error"]["message"]
    assert not ConsentRecord.objects.exists()
    assert not AuditEntry.objects.exists()


def test_sms_is_refused_without_a_phone_number_and_bad_input_saves_nothing(s):
    no_phone = ClientFactory(practice=s.practice, phone="")
    api = api_for(s.practice)

    sms = api.post(url(no_phone), {"purpose": "sms", "granted": True}, format="json")
    unknown = api.post(url(no_phone), {"purpose": "spam", "granted": True}, format="json")
    missing = api.post(url(no_phone), {"purpose": "sms"}, format="json")

    assert sms.status_code == 400
    assert sms.json()["error"]["message"].startswith("Añade el teléfono")
    assert unknown.status_code == 400 and "purpose" in unknown.json()["error"]["fields"]
    assert missing.status_code == 400 and "granted" in missing.json()["error"]["fields"]
    assert not ConsentRecord.objects.exists()


def test_the_scopes_split_reading_from_recording(s, person, offered):
    reader = api_for(s.practice, scopes=["clients:read"])
    writer = api_for(s.practice, scopes=["clients:write"])
    body = {"purpose": "marketing", "granted": True}

    assert reader.get(url(person)).status_code == 200
    assert reader.post(url(person), body, format="json").status_code == 403
    assert writer.get(url(person)).status_code == 403
    assert writer.post(url(person), body, format="json").status_code == 201
    assert (
        api_for(s.practice, scopes=["appointments:read", "appointments:write"])
        .get(url(person))
        .status_code
        == 403
    )
    assert ConsentRecord.objects.count() == 1


def test_nobody_outside_the_practice_reads_or_records_its_clients_consents(s, person, offered):
    consent_record(client=person, purpose="sms", granted=True, channel=ConsentChannel.STAFF)
    other = api_for(bookable_practice().practice)
    client_account = APIClient()
    client_account.force_login(UserFactory(email="lucia@example.com", verified=True))
    body = {"purpose": "marketing", "granted": True}

    assert other.get(url(person)).status_code == 404
    assert other.post(url(person), body, format="json").status_code == 404
    assert client_account.get(url(person)).status_code == 403
    assert client_account.post(url(person), body, format="json").status_code == 403
    assert APIClient().get(url(person)).status_code == 401
    assert ConsentRecord.objects.count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.CONSENT_CHANGED).exists()
