import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from citas.core.factories import MembershipFactory, PracticeFactory, UserFactory
from citas.practices.models import Invitation, Membership, Practice, Professional, Role

pytestmark = pytest.mark.django_db


def _onboarding(client, **overrides):
    data = {
        "name": "Fisio Centro",
        "slug": "",
        "timezone": "Europe/Madrid",
        "address": "Calle Colón 5, Valencia",
        "phone": "+34 960 000 000",
        "email": "",
        "owner_is_bookable": "on",
    }
    data.update(overrides)
    return client.post(reverse("practices:onboarding"), data)


def test_onboarding_creates_the_practice_with_the_user_as_owner_and_professional(client):
    user = UserFactory(kind="professional")
    client.force_login(user)
    response = _onboarding(client)
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert (practice.slug, practice.timezone, practice.email) == (
        "fisio-centro",
        "Europe/Madrid",
        user.email,
    )
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert Professional.objects.get(practice=practice).display_name == user.full_name


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Este campo es obligatorio"),
        ({"name": "x" * 121}, "name", "121"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "Elige una opción válida"),
        ({"slug": "con espacios"}, "slug", "letras"),
        ({"email": "no-es-email"}, "email", "correo electrónico válida"),
    ],
)
def test_bad_onboarding_input_gets_a_clear_message_and_saves_nothing(
    client, overrides, field, message
):
    client.force_login(UserFactory())
    response = _onboarding(client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Practice.objects.exists()


def test_a_taken_public_address_is_refused_next_to_the_field(client):
    PracticeFactory(slug="fisio-centro")
    client.force_login(UserFactory())
    response = _onboarding(client, slug="fisio-centro")
    assert response.status_code == 200
    assert "ya está en uso" in " ".join(response.context["form"].errors["slug"])
    assert Practice.objects.count() == 1


def test_an_empty_address_takes_a_free_one_from_the_name(client):
    PracticeFactory(slug="fisio-centro")
    client.force_login(UserFactory())
    _onboarding(client)
    assert Practice.objects.filter(slug="fisio-centro-2").exists()


def test_the_owner_invites_a_colleague_who_accepts_with_the_link(
    client, django_capture_on_commit_callbacks
):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("practices:members"), {"email": "Colega@Example.com", "role": "professional"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "colega@example.com"
    assert len(mail.outbox) == 1
    token = re.search(r"/invitaciones/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert len(token) >= 43

    colleague = UserFactory(email="colega@example.com")
    client.force_login(colleague)
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 302
    membership = Membership.objects.get(user=colleague)
    assert (membership.practice, membership.role) == (owner.practice, Role.PROFESSIONAL)
    assert Professional.objects.filter(membership=membership).exists()


def test_a_used_invitation_link_cannot_be_used_again(client):
    owner = MembershipFactory()
    invitation = Invitation.objects.create(
        practice=owner.practice,
        email="a@example.com",
        role=Role.RECEPTION,
        expires_at=timezone.now() + timedelta(days=1),
        accepted_at=timezone.now(),
    )
    client.force_login(UserFactory(email="a@example.com"))
    response = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert "ya se ha usado" in response.content.decode()
    assert not Membership.objects.filter(user__email="a@example.com").exists()


def test_an_expired_invitation_link_says_so_and_adds_nobody(client):
    owner = MembershipFactory()
    invitation = Invitation.objects.create(
        practice=owner.practice,
        email="a@example.com",
        role=Role.RECEPTION,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(UserFactory(email="a@example.com"))
    response = client.get(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert "caducado" in response.content.decode()
    client.post(reverse("invitation_accept", args=[invitation.token]))
    assert not Membership.objects.filter(user__email="a@example.com").exists()


def test_an_invitation_cannot_be_accepted_by_another_email(client):
    owner = MembershipFactory()
    invitation = Invitation.objects.create(
        practice=owner.practice,
        email="a@example.com",
        role=Role.ADMIN,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(UserFactory(email="b@example.com"))
    response = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert "a@example.com" in response.content.decode()
    assert not Membership.objects.filter(user__email="b@example.com").exists()


def test_the_invitation_secret_is_stored_only_as_its_hash(client):
    owner = MembershipFactory()
    invitation = Invitation.objects.create(
        practice=owner.practice,
        email="a@example.com",
        role=Role.RECEPTION,
        expires_at=timezone.now() + timedelta(days=1),
    )
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert invitation.token not in [str(value) for value in stored.values()]
    assert stored["token_hash"] == hashlib.sha256(invitation.token.encode()).hexdigest()
    # The hash itself is not a working link.
    assert client.get(reverse("invitation_accept", args=[stored["token_hash"]])).status_code == 404
    assert client.get(reverse("invitation_accept", args=[invitation.token])).status_code == 200


def test_a_guessed_invitation_token_is_a_404(client):
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 404


def test_inviting_an_existing_member_is_refused(client):
    owner = MembershipFactory()
    other = MembershipFactory(practice=owner.practice, role=Role.RECEPTION)
    client.force_login(owner.user)
    response = client.post(
        reverse("practices:members"), {"email": other.user.email, "role": "admin"}
    )
    assert "ya es miembro" in " ".join(response.context["form"].errors["email"])
    assert not Invitation.objects.exists()


def test_the_owner_changes_a_role_and_removes_a_member(client):
    owner = MembershipFactory()
    member = MembershipFactory(practice=owner.practice, role=Role.RECEPTION)
    client.force_login(owner.user)
    client.post(reverse("practices:member_role", args=[member.pk]), {"role": "professional"})
    member.refresh_from_db()
    assert member.role == Role.PROFESSIONAL
    assert Professional.objects.filter(membership=member, is_active=True).exists()
    client.post(reverse("practices:member_remove", args=[member.pk]))
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert Professional.objects.get(practice=owner.practice, is_active=False)


def test_the_last_owner_cannot_be_demoted_or_removed(client):
    owner = MembershipFactory()
    co_owner = MembershipFactory(practice=owner.practice, role=Role.ADMIN)
    client.force_login(owner.user)
    # Make the admin an owner, then the first owner can step down…
    client.post(reverse("practices:member_role", args=[co_owner.pk]), {"role": "owner"})
    client.force_login(co_owner.user)
    client.post(reverse("practices:member_role", args=[owner.pk]), {"role": "admin"})
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN
    # …but the only owner left cannot remove themself through a co-owner's absence.
    from citas.core.errors import ServiceError
    from citas.practices.services import membership_change_role

    co_owner.refresh_from_db()
    with pytest.raises(ServiceError):
        membership_change_role(membership=co_owner, role=Role.ADMIN, by=co_owner)


def test_an_admin_cannot_change_roles(client):
    owner = MembershipFactory()
    admin = MembershipFactory(practice=owner.practice, role=Role.ADMIN)
    client.force_login(admin.user)
    client.post(reverse("practices:member_role", args=[owner.pk]), {"role": "reception"})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_a_user_of_two_practices_switches_between_them(client):
    first = MembershipFactory(practice__name="Alfa")
    second = MembershipFactory(user=first.user, practice__name="Beta")
    client.force_login(first.user)
    client.post(reverse("practices:switch", args=[second.practice_id]))
    assert client.get(reverse("practices:dashboard")).context["practice"] == second.practice
    client.post(reverse("practices:switch", args=[first.practice_id]))
    assert client.get(reverse("practices:dashboard")).context["practice"] == first.practice


@pytest.mark.parametrize("rows", [1, 10])
def test_the_dashboard_renders_in_a_fixed_number_of_queries(
    client, django_assert_num_queries, rows
):
    from citas.core.factories import AppointmentFactory, ProfessionalFactory

    owner = MembershipFactory()
    professional = ProfessionalFactory(practice=owner.practice)
    today = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    for n in range(rows):
        MembershipFactory(practice=owner.practice, role=Role.PROFESSIONAL)
        AppointmentFactory(professional=professional, start=today - timedelta(minutes=30 * (n + 1)))
    client.force_login(owner.user)
    # 14 for the page, 6 for the figures (occupancy 3, month 1, failed notifications 1,
    # new clients 1).
    # + 1 failed count in the nav, 1 for the setup checklist, 1 for the appointments to close
    # (the two-step check comes with the membership).
    with django_assert_num_queries(23):
        response = client.get(reverse("practices:dashboard"))
    assert len(response.context["upcoming"]) == rows


# Tenancy: every practice route, for a member of another practice and for an anonymous user.


@pytest.fixture
def two_practices():
    mine = MembershipFactory()
    theirs = MembershipFactory()
    colleague = MembershipFactory(practice=theirs.practice, role=Role.RECEPTION)
    invitation = Invitation.objects.create(
        practice=theirs.practice,
        email="x@example.com",
        role=Role.ADMIN,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return mine, theirs, colleague, invitation


def _object_routes(theirs, colleague, invitation):
    return [
        reverse("practices:member_role", args=[colleague.pk]),
        reverse("practices:member_remove", args=[colleague.pk]),
        reverse("practices:invitation_revoke", args=[invitation.pk]),
        reverse("practices:switch", args=[theirs.practice_id]),
    ]


def test_a_member_of_another_practice_gets_404_and_nothing_changes(client, two_practices):
    mine, theirs, colleague, invitation = two_practices
    client.force_login(mine.user)
    for url in _object_routes(theirs, colleague, invitation):
        assert client.post(url, {"role": "owner"}).status_code == 404, url
    colleague.refresh_from_db()
    invitation.refresh_from_db()
    assert colleague.role == Role.RECEPTION and invitation.revoked_at is None
    assert Membership.objects.filter(pk=colleague.pk).exists()
    # The pages show only the member's own practice.
    members_page = client.get(reverse("practices:members")).content.decode()
    assert colleague.user.email not in members_page


@pytest.mark.parametrize(
    "name",
    ["practices:dashboard", "practices:members", "practices:settings", "practices:onboarding"],
)
def test_anonymous_users_are_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_users_cannot_act_on_members(client, two_practices):
    _, theirs, colleague, invitation = two_practices
    for url in _object_routes(theirs, colleague, invitation):
        response = client.post(url, {"role": "owner"})
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    colleague.refresh_from_db()
    assert colleague.role == Role.RECEPTION


@pytest.mark.parametrize("name", ["practices:members", "practices:settings"])
def test_staff_without_management_rights_get_404_on_management_pages(client, name):
    reception = MembershipFactory(role=Role.RECEPTION)
    client.force_login(reception.user)
    assert client.get(reverse(name)).status_code == 404


def test_practice_settings_refuse_an_unknown_time_zone(client):
    owner = MembershipFactory()
    client.force_login(owner.user)
    response = client.post(
        reverse("practices:settings"), {"name": "Nueva", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    owner.practice.refresh_from_db()
    assert owner.practice.name != "Nueva"


# The setup checklist and the booking link on the dashboard.


def test_a_new_practice_sees_what_is_left_before_it_takes_bookings(client):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)

    content = client.get(reverse("practices:dashboard"), HTTP_ACCEPT_LANGUAGE="es").content
    content = content.decode()

    assert "data-setup-checklist" in content
    assert "data-not-bookable" in content
    assert 'data-copy="#booking-url"' in content
    assert "onclick" not in content.split("data-setup-checklist")[1].split("</main>")[0]


def test_the_checklist_ticks_each_step_as_it_is_done():
    from datetime import time

    from citas.core.factories import (
        AppointmentFactory,
        ProfessionalFactory,
        ServiceFactory,
        WorkingHoursFactory,
    )
    from citas.practices.selectors import practice_setup_checklist

    practice = PracticeFactory(phone="", email="")
    assert practice_setup_checklist(practice).done_count == 0

    professional = ProfessionalFactory(practice=practice)
    ServiceFactory(practice=practice, professionals=[])
    setup = practice_setup_checklist(practice)
    assert [step.key for step in setup.steps if step.done] == ["professional"]

    WorkingHoursFactory(professional=professional, weekday=0, start_time=time(9), end_time=time(14))
    service = ServiceFactory(practice=practice, professionals=[professional])
    assert practice_setup_checklist(practice).accepts_bookings

    practice.phone = "+34 910 000 000"
    AppointmentFactory(professional=professional, service=service)
    assert practice_setup_checklist(practice).complete


def test_a_complete_practice_no_longer_shows_the_checklist(client):
    from datetime import time

    from citas.core.factories import (
        AppointmentFactory,
        ProfessionalFactory,
        ServiceFactory,
        WorkingHoursFactory,
    )

    owner = MembershipFactory(role=Role.OWNER)
    practice = owner.practice
    practice.phone = "+34 910 000 000"
    practice.save()
    professional = ProfessionalFactory(practice=practice)
    WorkingHoursFactory(professional=professional, weekday=0, start_time=time(9), end_time=time(14))
    service = ServiceFactory(practice=practice, professionals=[professional])
    AppointmentFactory(professional=professional, service=service)
    client.force_login(owner.user)

    content = client.get(reverse("practices:dashboard")).content.decode()

    assert "data-setup-checklist" not in content
    assert "data-not-bookable" not in content
    assert 'data-copy="#booking-url"' in content


def test_the_slug_field_shows_the_address_it_makes_and_tells_web_from_postal(client):
    user = UserFactory()
    client.force_login(user)

    content = client.get(reverse("practices:onboarding"), HTTP_ACCEPT_LANGUAGE="es").content
    content = content.decode()

    assert (
        '<span class="input-group-text text-truncate mw-50">http://testserver/r/</span>' in content
    )
    assert "Dirección web de tu página de reservas" in content
    assert "Dirección postal" in content
