"""Adding a WebAuthn security key through allauth's MFA, end to end on the server side: a
software authenticator (an EC P-256 key made here, "none" attestation, built with fido2's own
types) answers the registration challenge that allauth stored in the session."""

import hashlib
import json
import os

import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from citas.core.factories import DEFAULT_PASSWORD, MembershipFactory
from citas.practices.models import Role

pytestmark = pytest.mark.django_db
STATE_KEY = "mfa.webauthn.state"  # allauth.mfa.webauthn.internal.auth.STATE_SESSION_KEY


def _software_key_response(challenge: bytes, *, rp_id: str, origin: str) -> dict:
    """What a browser hands back from navigator.credentials.create() with a new key."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(32)
    attested = AttestedCredentialData.create(
        Aaguid.NONE, credential_id, ES256.from_cryptography_key(private_key.public_key())
    )
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
    auth_data = AuthenticatorData.create(
        hashlib.sha256(rp_id.encode()).digest(), flags, 0, attested
    )
    client_data = CollectedClientData.create(
        type=CollectedClientData.TYPE.CREATE, challenge=challenge, origin=origin
    )
    attestation = AttestationObject.create("none", auth_data, {})
    return {
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": websafe_encode(bytes(client_data)),
            "attestationObject": websafe_encode(bytes(attestation)),
        },
        "clientExtensionResults": {},
    }


def test_a_member_adds_a_security_key(client):
    member = MembershipFactory(role=Role.OWNER)  # two-step verification already on (TOTP)
    client.force_login(member.user)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    url = reverse("mfa_add_webauthn")
    assert client.get(url).status_code == 200
    challenge = websafe_decode(client.session[STATE_KEY]["challenge"])
    credential = _software_key_response(challenge, rp_id="testserver", origin="https://testserver")

    response = client.post(url, {"name": "Llave USB", "credential": json.dumps(credential)})

    assert response.status_code == 302, response.content.decode()[:2000]
    key = Authenticator.objects.get(user=member.user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Llave USB"


def test_a_response_to_another_challenge_adds_no_key(client):
    member = MembershipFactory(role=Role.OWNER)
    client.force_login(member.user)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    url = reverse("mfa_add_webauthn")
    client.get(url)
    credential = _software_key_response(
        os.urandom(32), rp_id="testserver", origin="https://testserver"
    )

    response = client.post(url, {"name": "Llave USB", "credential": json.dumps(credential)})

    assert response.status_code == 200
    assert not Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).exists()
