from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.booking.models import Appointment, AppointmentEvent, Client
from citas.booking.services import appointment_cancel
from citas.core.factories import MembershipFactory, UserFactory
from citas.notifications.models import CalendarFeed, Notification, NotificationKind
from citas.practices.models import Role
from citas.privacy.erasure import client_anonymise, client_block
from citas.privacy.models import AuditAction, AuditEntry, ConsentRecord, ErasureRequest
from citas.privacy.services import consent_record

from .conftest import NOW, member_of

NAME, EMAIL = "Lucía Privada", "lucia@example.com"


def test_suprimir_cancels_upcoming_appointments_with_notice_then_blocks(client, s, person):
    client.force_login(member_of(s.practice, Role.ADMIN).user)

    response = client.post(reverse("privacy:client_erase", args=[person.pk]))

    assert response.status_code == 302
    person = Client.all_objects.get(pk=person.pk)
    assert person.blocked_at == NOW
    statuses = sorted(
        Appointment.all_objects.filter(client=person).values_list("status", flat=True)
    )
    assert statuses == ["cancelled", "completed"]
    notice = Notification.objects.get(kind=NotificationKind.CANCELLED, recipient=EMAIL)
    assert notice.status == "pending"  # the cancellation still goes out
    assert AuditEntry.objects.filter(action=AuditAction.CLIENT_BLOCKED).count() == 1


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.RECEPTION])
def test_only_owners_and_admins_can_erase(client, s, person, role):
    client.force_login(member_of(s.practice, role).user)

    assert client.post(reverse("privacy:client_erase", args=[person.pk])).status_code == 404
    assert Client.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_another_practice_cannot_erase(client, s, person):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    assert client.post(reverse("privacy:client_erase", args=[person.pk])).status_code == 404
    assert Client.objects.filter(pk=person.pk).exists()


def staff_urls(person, appointment_ids):
    past_month = {"start": "2026-10-25T00:00:00", "end": "2026-11-05T00:00:00", "cancelled": "on"}
    next_days = {"start": "2026-11-30T00:00:00", "end": "2026-12-07T00:00:00", "cancelled": "on"}
    pages = [
        (reverse("booking_staff:client_list"), {}),
        (reverse("booking_staff:client_list"), {"q": "Lucía"}),
        (reverse("booking_staff:client_picker"), {"q": "Luc"}),
        (reverse("booking_staff:agenda_feed"), past_month),
        (reverse("booking_staff:agenda_feed"), next_days),
        (reverse("privacy:overview"), {}),
        (reverse("notifications:log"), {}),
    ]
    pages += [
        (reverse("booking_staff:appointment_list"), {"tab": t})
        for t in ("today", "upcoming", "past")
    ]
    gone = [reverse("booking_staff:client_detail", args=[person.pk])]
    gone += [reverse("booking_staff:appointment_detail", args=[pk]) for pk in appointment_ids]
    gone += [reverse("privacy:client_export", args=[person.pk])]
    return pages, gone


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.PROFESSIONAL, Role.RECEPTION])
def test_blocked_data_is_invisible_on_every_route_for_every_role(client, s, person, role):
    appointment_ids = list(Appointment.objects.filter(client=person).values_list("pk", flat=True))
    client_block(client=person, by=None, now=NOW)
    membership = member_of(s.practice, role)
    client.force_login(membership.user)
    pages, gone = staff_urls(person, appointment_ids)

    for url, query in pages:
        response = client.get(url, query)
        body = response.content.decode()
        assert response.status_code in (200, 404), url
        assert NAME not in body and EMAIL not in body, url
    for url in gone:
        assert client.get(url).status_code == 404, url

    _token, secret = api_token_create(
        user=membership.user, practice=s.practice, name="t", scopes=every_scope()
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for url in [reverse("api:clients"), reverse("api:appointments") + "?status=cancelled"]:
        body = api.get(url).content.decode()
        assert NAME not in body and EMAIL not in body
    for name in ("api:client", "api:client_export", "api:client_appointments"):
        assert api.get(reverse(name, args=[person.pk])).status_code == 404
    for pk in appointment_ids:
        assert api.get(reverse("api:appointment", args=[pk])).status_code == 404


def test_the_calendar_feed_leaves_blocked_appointments_out(client, s):
    from citas.core.factories import AppointmentFactory, ClientFactory

    blocked = ClientFactory(practice=s.practice, full_name=NAME)
    AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=blocked,
        start=NOW + timedelta(days=1),
    )
    feed = CalendarFeed.objects.create(professional=s.professional)
    Client.objects.filter(pk=blocked.pk).update(blocked_at=NOW)

    body = client.get(reverse("notifications:feed", args=[feed.token])).content.decode()

    assert "BEGIN:VCALENDAR" in body and "VEVENT" not in body


def test_owners_see_blocked_data_in_an_audited_view(client, s, person, owner_of):
    client_block(client=person, by=None, now=NOW)
    client.force_login(owner_of.user)

    listing = client.get(reverse("privacy:blocked_list")).content.decode()
    detail = client.get(reverse("privacy:blocked_detail", args=[person.pk]))

    assert f"#{person.pk}" in listing and NAME not in listing
    assert NAME in detail.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.BLOCKED_DATA_VIEWED)
    assert entry.actor == owner_of.user


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROFESSIONAL, Role.RECEPTION])
def test_no_other_role_reaches_the_blocked_data(client, s, person, role):
    client_block(client=person, by=None, now=NOW)
    client.force_login(member_of(s.practice, role).user)

    assert client.get(reverse("privacy:blocked_list")).status_code == 404
    assert client.get(reverse("privacy:blocked_detail", args=[person.pk])).status_code == 404


@pytest.mark.django_db
def test_another_practices_owner_cannot_open_the_blocked_data(client, s, person):
    client_block(client=person, by=None, now=NOW)
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    assert client.get(reverse("privacy:blocked_detail", args=[person.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.BLOCKED_DATA_VIEWED).exists()


def test_the_client_asks_for_erasure_from_mis_citas_and_sees_the_deadline(client, s, person):
    client.force_login(UserFactory(email=EMAIL, verified=True))

    client.post(reverse("my_data:erasure", args=[s.practice.slug]))
    client.post(reverse("my_data:erasure", args=[s.practice.slug]))  # twice: still one

    erasure = ErasureRequest.objects.get()
    assert erasure.due_at.date().isoformat() == "2027-01-01"
    page = client.get(reverse("home")).content.decode()
    assert "1 de enero de 2027" in page
    assert Client.objects.filter(pk=person.pk).exists()  # not blocked until the practice confirms


def test_the_practice_sees_and_confirms_the_request(client, s, person, owner_of):
    ErasureRequest.objects.create(
        practice=s.practice, client=person, requested_at=NOW, due_at=NOW + timedelta(days=31)
    )
    client.force_login(owner_of.user)
    assert NAME in client.get(reverse("privacy:overview")).content.decode()

    client.post(reverse("privacy:client_erase", args=[person.pk]))

    assert ErasureRequest.objects.get().confirmed_at == NOW
    assert NAME not in client.get(reverse("privacy:overview")).content.decode()


def test_anonymisation_keeps_statistics_and_removes_every_personal_field(s, person):
    appointment = person.appointments.get(status="confirmed")
    appointment_cancel(appointment=appointment, by_client=True, reason="Me mudo a Lugo")
    consent_record(client=person, purpose="sms", granted=True, channel="staff")
    person.user = UserFactory(email=EMAIL)
    person.save()
    client_block(client=person, by=None, now=NOW)
    before = list(
        Appointment.all_objects.filter(client=person)
        .order_by("pk")
        .values_list("start", "service_id", "professional_id", "status")
    )

    client_anonymise(client=person, now=NOW)

    person = Client.objects.get(pk=person.pk)  # visible again, without personal data
    assert person.full_name == f"Cliente anónimo #{person.pk}"
    assert (person.email, person.phone, person.notes, person.user) == ("", "", "", None)
    assert person.privacy_accepted_at is None and person.anonymised_at == NOW
    after = list(
        Appointment.objects.filter(client=person)
        .order_by("pk")
        .values_list("start", "service_id", "professional_id", "status")
    )
    assert after == before
    assert not Appointment.objects.filter(client=person).exclude(notes="").exists()
    assert not Notification.objects.filter(appointment__client=person).exists()
    assert not AppointmentEvent.objects.filter(appointment__client=person).exclude(data={}).exists()
    assert not AuditEntry.objects.filter(object_repr__contains="Lucía").exists()
    assert ConsentRecord.objects.filter(client=person).exists()  # evidence, no personal data
    assert not ErasureRequest.objects.filter(client=person).exists()


def test_the_manage_link_stops_working_once_blocked(client, s, person):
    token = person.appointments.get(status="confirmed").token
    client_block(client=person, by=None, now=timezone.now())

    assert client.get(reverse("manage:page", args=[token])).status_code == 404
