import pytest
from django.urls import reverse
from django.utils import timezone

from citas.core.factories import (
    DEFAULT_PASSWORD,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    enable_two_factor,
)
from citas.practices.models import Role
from citas.privacy.models import AuditAction, AuditEntry
from citas.privacy.services import audit_record

from .conftest import member_of


def test_viewing_changing_and_merging_a_client_is_recorded_with_actor_and_ip(client, s, person):
    staff = member_of(s.practice, Role.ADMIN)
    client.force_login(staff.user)
    twin = ClientFactory(practice=s.practice, full_name="Lucía P.")

    client.get(reverse("booking_staff:client_detail", args=[person.pk]))
    client.post(
        reverse("booking_staff:client_edit", args=[person.pk]),
        {
            "full_name": "Lucía Privada",
            "email": "lucia@example.com",
            "phone": "600",
            "notes": "Alergia al látex",
        },
    )
    client.post(
        reverse("booking_staff:client_merge", args=[person.pk]),
        {"merge": twin.pk, "confirm": "on"},
    )

    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        AuditAction.CLIENT_VIEWED,
        AuditAction.CLIENT_CHANGED,
        AuditAction.CLIENT_MERGED,
    ]
    viewed = AuditEntry.objects.get(action=AuditAction.CLIENT_VIEWED)
    assert viewed.actor == staff.user and viewed.actor_label == staff.user.email
    assert viewed.ip == "127.0.0.1" and viewed.object_id == str(person.pk)
    assert AuditEntry.objects.get(action=AuditAction.CLIENT_CHANGED).data == {"fields": ["phone"]}


def test_owners_see_and_filter_their_practices_log_only(client, s, owner_of):
    audit_record(practice=s.practice, actor=owner_of.user, action=AuditAction.CLIENT_VIEWED)
    audit_record(practice=s.practice, actor=owner_of.user, action=AuditAction.SETTINGS_CHANGED)
    other = MembershipFactory(role=Role.OWNER)
    audit_record(practice=other.practice, actor=other.user, action=AuditAction.ROLE_CHANGED)
    client.force_login(owner_of.user)

    everything = client.get(reverse("privacy:audit_log"))
    filtered = client.get(reverse("privacy:audit_log"), {"action": "settings_changed"})

    assert len(everything.context["page"].object_list) == 2
    assert [e.action for e in filtered.context["page"]] == ["settings_changed"]
    assert {e.practice_id for e in everything.context["page"]} == {s.practice.pk}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROFESSIONAL, Role.RECEPTION])
def test_only_owners_open_the_audit_log(client, s, role):
    client.force_login(member_of(s.practice, role).user)

    assert client.get(reverse("privacy:audit_log")).status_code == 404


def test_a_bad_filter_shows_everything_instead_of_failing(client, s, owner_of):
    audit_record(practice=s.practice, actor=owner_of.user, action=AuditAction.CLIENT_VIEWED)
    client.force_login(owner_of.user)

    response = client.get(reverse("privacy:audit_log"), {"action": "drop table"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_the_audit_log_page_runs_a_fixed_number_of_queries(
    client, s, owner_of, django_assert_max_num_queries
):
    for _ in range(30):
        audit_record(practice=s.practice, actor=owner_of.user, action=AuditAction.CLIENT_VIEWED)
    client.force_login(owner_of.user)
    client.get(reverse("privacy:audit_log"))

    with django_assert_max_num_queries(12):
        assert client.get(reverse("privacy:audit_log")).status_code == 200


def test_the_admin_shows_the_log_read_only(client, s, owner_of):
    entry = audit_record(practice=s.practice, actor=owner_of.user, action=AuditAction.CLIENT_VIEWED)
    operator = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(operator)  # the admin site requires it
    client.force_login(operator)

    assert client.get(reverse("admin:privacy_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:privacy_auditentry_add")).status_code == 403
    change = client.post(
        reverse("admin:privacy_auditentry_change", args=[entry.pk]), {"action": "role_changed"}
    )
    assert change.status_code == 403
    assert (
        client.post(reverse("admin:privacy_auditentry_delete", args=[entry.pk])).status_code == 403
    )
    entry.refresh_from_db()
    assert entry.action == AuditAction.CLIENT_VIEWED


def test_role_changes_invitations_tokens_and_webhooks_are_recorded(client, s, owner_of):
    member = member_of(s.practice, Role.RECEPTION)
    client.force_login(owner_of.user)

    client.post(reverse("practices:member_role", args=[member.pk]), {"role": "professional"})
    client.post(reverse("practices:members"), {"email": "nueva@example.com", "role": "reception"})
    # Creating a token asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    client.post(
        reverse("api:tokens"),
        {"name": "Zapier", "practice": s.practice.pk, "scopes": ["appointments:read"]},
    )
    client.post(
        reverse("notifications:webhook_create"),
        {"url": "https://hooks.example.com/x", "events": ["created"]},
    )
    client.post(
        reverse("practices:settings"),
        {"name": "Otro nombre", "timezone": "Europe/Madrid", "two_factor_policy": "managers"},
    )

    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        AuditAction.ROLE_CHANGED,
        AuditAction.INVITATION_SENT,
        AuditAction.TOKEN_CREATED,
        AuditAction.WEBHOOK_CHANGED,
        AuditAction.SETTINGS_CHANGED,
    } <= actions
    role = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED)
    assert role.data == {"role": "professional"} and role.actor == owner_of.user


def test_owners_download_the_record_of_processing_activities(client, s, owner_of):
    client.force_login(owner_of.user)

    response = client.get(reverse("privacy:processing_record"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "Registro de actividades de tratamiento (art. 30 RGPD)" in body
    assert s.practice.name in body and "5 años" in body


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROFESSIONAL, Role.RECEPTION])
def test_only_owners_download_the_record_of_processing_activities(client, s, role):
    client.force_login(member_of(s.practice, role).user)

    assert client.get(reverse("privacy:processing_record")).status_code == 404


def test_the_privacy_pages_run_a_fixed_number_of_queries(
    client, s, owner_of, person, django_assert_max_num_queries
):
    from citas.privacy.erasure import erasure_request_create

    erasure_request_create(client=person, by=None, now=timezone.now())
    client.force_login(owner_of.user)
    for name in ("privacy:overview", "privacy:blocked_list", "privacy:notice_edit"):
        client.get(reverse(name))
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(11):
        assert (
            client.get(reverse("privacy_public:notice", args=[s.practice.slug])).status_code == 200
        )
