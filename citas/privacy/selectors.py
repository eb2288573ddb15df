"""Reads of the privacy app. Every function takes the practice (or a client of it)."""

from django.db.models import Q, QuerySet

from citas.booking.models import Client
from citas.notifications.models import ClientContactPreference
from citas.practices.models import Practice, Role

from .models import (
    AuditEntry,
    ConsentPurpose,
    ConsentRecord,
    ErasureRequest,
    PrivacyNotice,
    PrivacySettings,
)


def privacy_settings_for(practice: Practice) -> PrivacySettings:
    """The practice's settings, or the defaults (unsaved) when it never changed them."""
    found = PrivacySettings.objects.filter(practice=practice).first()
    return found or PrivacySettings(practice=practice)


def notice_current(practice: Practice) -> PrivacyNotice | None:
    return PrivacyNotice.objects.filter(practice=practice).order_by("-version").first()


def notice_version(practice: Practice, version: int) -> PrivacyNotice | None:
    return PrivacyNotice.objects.filter(practice=practice, version=version).first()


def notice_versions(practice: Practice) -> QuerySet[PrivacyNotice]:
    return PrivacyNotice.objects.filter(practice=practice).select_related("created_by")


def client_consents(client: Client) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(client=client).select_related("notice", "recorded_by")


def consent_state(client: Client) -> dict[str, bool]:
    """The latest answer per purpose (absent: never asked)."""
    state: dict[str, bool] = {}
    for purpose, granted in (
        ConsentRecord.objects.filter(client=client)
        .order_by("created_at", "pk")
        .values_list("purpose", "granted")
    ):
        state[purpose] = granted
    return {purpose: state[purpose] for purpose in ConsentPurpose.values if purpose in state}


def audit_entries(
    *, practice: Practice, action: str = "", actor_id: int | None = None, object_id: str = ""
) -> QuerySet[AuditEntry]:
    rows = AuditEntry.objects.filter(practice=practice)
    if action:
        rows = rows.filter(action=action)
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if object_id:
        rows = rows.filter(object_id=object_id)
    return rows


def blocked_clients(practice: Practice) -> QuerySet[Client]:
    return Client.all_objects.filter(practice=practice, blocked_at__isnull=False).order_by(
        "blocked_at"
    )


def blocked_client(practice: Practice, pk: int) -> Client | None:
    return blocked_clients(practice).filter(pk=pk).first()


def open_erasure_requests(practice: Practice) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(
        practice=practice, confirmed_at__isnull=True, client__blocked_at__isnull=True
    ).select_related("client")


def _user_clients(user) -> QuerySet[Client]:
    verified = list(user.emailaddress_set.filter(verified=True).values_list("email", flat=True))
    condition = Q(user=user)
    for email in verified:
        condition |= Q(email__iexact=email)
    return Client.objects.filter(condition)


def client_records_for_user_at(user, practice_slug: str) -> list[Client]:
    """The account's client records at one practice (its own or under a verified email):
    usually one; the rights from "Mis citas" apply to all of them."""
    return list(
        _user_clients(user)
        .filter(practice__slug=practice_slug)
        .select_related("practice")
        .order_by("pk")
    )


def client_records_for_user(user) -> list[Client]:
    """One client record per practice, with its open erasure request and SMS consent."""
    records: dict[int, Client] = {}
    every = list(_user_clients(user).select_related("practice").order_by("pk"))
    for client in every:
        records.setdefault(client.practice_id, client)
    # Several records at one practice show as one: what holds for any of them shows.
    practice_of = {client.pk: client.practice_id for client in every}
    open_requests: dict[int, ErasureRequest] = {}
    for r in ErasureRequest.objects.filter(client__in=every, confirmed_at__isnull=True).order_by(
        "due_at"
    ):
        open_requests.setdefault(practice_of[r.client_id], r)
    texting = {
        practice_of[pk]
        for pk in ClientContactPreference.objects.filter(
            client__in=every, sms_consent=True
        ).values_list("client_id", flat=True)
    }
    for client in records.values():
        client.open_erasure = open_requests.get(client.practice_id)
        client.sms_consent = client.practice_id in texting
    return sorted(records.values(), key=lambda c: c.practice.name)


def client_privacy_panel(client: Client, *, can_erase: bool, can_export: bool) -> dict:
    """What the staff client page shows about data protection."""
    consents = list(client_consents(client)[:20])
    latest_marketing = next((c for c in consents if c.purpose == ConsentPurpose.MARKETING), None)
    return {
        "consents": consents,
        "marketing_consent": bool(latest_marketing and latest_marketing.granted),
        "marketing_offered": privacy_settings_for(client.practice).marketing_consent_offered,
        "sms_consent": ClientContactPreference.objects.filter(
            client=client, sms_consent=True
        ).exists(),
        "erasure": ErasureRequest.objects.filter(client=client, confirmed_at__isnull=True).first(),
        "can_erase": can_erase,
        "can_export": can_export,
    }


def can_see_client_notes(membership) -> bool:
    """Reception sees client notes only when the practice allows it."""
    if membership.role != Role.RECEPTION:
        return True
    return privacy_settings_for(membership.practice).reception_sees_notes


def client_initials(full_name: str) -> str:
    """ "Lucía Gómez Ruiz" → "L. G. R." (what calendar subscriptions show by default)."""
    return " ".join(f"{word[0]}." for word in full_name.split() if word[:1].isalpha())


def feed_client_label(practice: Practice):
    """How calendar subscriptions name a client: full name only when the practice chose to."""
    if privacy_settings_for(practice).feed_shows_names:
        return lambda client: client.full_name
    return lambda client: client_initials(client.full_name)
