import hashlib

from django.urls import reverse
from django.utils import timezone

from citas.api.models import ApiToken
from citas.api.services import api_token_create
from citas.core.factories import DEFAULT_PASSWORD, MembershipFactory, PracticeFactory
from citas.core.tokens import hash_token


def _signed_in_recently(client, user):
    """Log in and confirm the password: creating or renewing a token needs a recent sign-in."""
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})


def test_a_member_creates_a_token_shown_once_and_stored_hashed(client, db):
    membership = MembershipFactory()
    _signed_in_recently(client, membership.user)
    response = client.post(
        reverse("api:tokens"),
        {"practice": membership.practice.pk, "name": "Website", "scopes": ["appointments:read"]},
    )
    assert response.status_code == 201
    raw = response.context["created"]
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(token.__dict__)
    assert raw not in client.get(reverse("api:tokens")).content.decode()


def test_a_token_can_only_be_for_ones_own_practice(client, db):
    membership = MembershipFactory()
    _signed_in_recently(client, membership.user)
    response = client.post(
        reverse("api:tokens"),
        {"practice": PracticeFactory().pk, "name": "x", "scopes": ["appointments:read"]},
    )
    assert response.status_code == 200
    assert "practice" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it(clinic, client):
    token = ApiToken.objects.get()
    client.force_login(clinic.user)
    client.post(reverse("api:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert clinic.api().get(reverse("api:appointments")).status_code == 401


def test_another_users_token_cannot_be_revoked(clinic, other_clinic, client):
    token = ApiToken.objects.get(user=clinic.user)
    client.force_login(other_clinic.user)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_page_needs_a_login(client, db):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302


def test_using_a_token_stamps_last_used(clinic):
    clinic.api().get(reverse("api:appointments"))
    assert ApiToken.objects.get().last_used_at is not None


def test_a_malformed_authorization_header_is_a_401(clinic, anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer a b")
    response = anonymous.get(reverse("api:appointments"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_member_of_one_practice_finds_it_preselected(client, db):
    membership = MembershipFactory()
    client.force_login(membership.user)
    form = client.get(reverse("api:tokens")).context["form"]
    assert form["practice"].value() == membership.practice.pk


def _loaded(obj):
    if obj is None:
        return None
    fields = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return fields, {name: _loaded(rel) for name, rel in obj._state.fields_cache.items()}


def test_authentication_reads_what_for_authentication_reads(clinic, client_account):
    """The token query is compiled once per process: for a member's token, a former member's
    and a personal one it gives the objects `for_authentication` gives, and nothing for a
    revoked or unknown token."""
    from citas.api.authentication import _token_by_hash

    former = MembershipFactory(practice=clinic.practice)
    former_token = clinic.token_for(former.user)
    former.delete()
    personal = api_token_create(user=client_account, practice=None, name="me", scopes=["me:read"])[
        1
    ]
    revoked = clinic.token_for(clinic.user)
    ApiToken.objects.filter(token_hash=hash_token(revoked)).update(revoked_at=timezone.now())
    for raw in (clinic.token, former_token, personal, revoked, "cit_unknown"):
        expected = ApiToken.objects.for_authentication(hash_token(raw)).first()
        assert _loaded(_token_by_hash.first(hash_token(raw))) == _loaded(expected)
    member = _token_by_hash.first(hash_token(clinic.token)).member
    assert member.pk == clinic.membership.pk
    # As the ORM does, a missing membership leaves `member` unset (authenticate makes it None).
    assert not hasattr(_token_by_hash.first(hash_token(former_token)), "member")
    assert _token_by_hash.first(hash_token(revoked)) is None
