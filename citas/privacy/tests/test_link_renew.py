"""Staff issue a new client link (appointment manage link, waiting-list link) when the old one
was forwarded or leaked: the old link stops working, messages not sent yet carry the new one,
and it is audited."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from citas.booking.models import Appointment, WaitlistEntry
from citas.booking.tests.helpers import bookable_practice
from citas.notifications.models import Channel, Notification, NotificationKind
from citas.practices.models import Role
from citas.privacy.models import AuditAction, AuditEntry

from .conftest import NOW, member_of


@pytest.fixture
def upcoming(person):
    return person.appointments.get(status="confirmed")


@pytest.fixture
def entry(s):
    return WaitlistEntry.objects.create(
        practice=s.practice,
        service=s.service,
        full_name="Marta Espera",
        email="marta@example.com",
        first_day=date(2026, 12, 3),
        last_day=date(2026, 12, 4),
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.RECEPTION])
def test_a_new_manage_link_replaces_the_old_one_and_is_audited(client, s, upcoming, role):
    staff = member_of(s.practice, role)
    old = upcoming.token
    reminder = Notification.objects.create(
        practice=s.practice,
        appointment=upcoming,
        kind=NotificationKind.REMINDER,
        channel=Channel.EMAIL,
        recipient="lucia@example.com",
        due_at=NOW + timedelta(days=1),
        payload={"token": old, "service": "x"},
    )
    assert client.get(reverse("manage:page", args=[old])).status_code == 200
    client.force_login(staff.user)

    response = client.post(
        reverse("booking_staff:appointment_link_renew", args=[upcoming.pk]), follow=True
    )

    upcoming.refresh_from_db()
    assert upcoming.token != old
    assert reverse("manage:page", args=[upcoming.token]) in response.content.decode()
    client.logout()
    assert client.get(reverse("manage:page", args=[old])).status_code == 404
    assert client.post(reverse("manage:cancel", args=[old])).status_code == 404
    assert client.get(reverse("notifications:appointment_ics", args=[old])).status_code == 404
    assert client.get(reverse("manage:page", args=[upcoming.token])).status_code == 200
    reminder.refresh_from_db()
    assert reminder.payload == {"token": upcoming.token, "service": "x"}
    logged = AuditEntry.objects.get(action=AuditAction.LINK_RENEWED)
    assert logged.actor == staff.user and logged.practice == s.practice
    assert logged.object_type == "appointment" and logged.object_id == str(upcoming.pk)
    assert old not in str(logged.data) and old not in logged.object_repr


def test_a_new_waiting_list_link_replaces_the_old_one_and_is_audited(client, s, entry):
    staff = member_of(s.practice, Role.RECEPTION)
    old = entry.token
    old_url = reverse("public_booking:waitlist_offer", args=[s.practice.slug, old])
    assert client.get(old_url).status_code == 200
    client.force_login(staff.user)

    response = client.post(
        reverse("booking_staff:waitlist_link_renew", args=[entry.pk]), follow=True
    )

    entry.refresh_from_db()
    assert entry.token != old
    new_url = reverse("public_booking:waitlist_offer", args=[s.practice.slug, entry.token])
    assert new_url in response.content.decode()
    client.logout()
    assert client.get(old_url).status_code == 404
    leave = reverse("public_booking:waitlist_leave", args=[s.practice.slug, old])
    assert client.post(leave).status_code == 404
    assert client.get(new_url).status_code == 200
    logged = AuditEntry.objects.get(action=AuditAction.LINK_RENEWED)
    assert logged.object_type == "waitlistentry" and logged.object_id == str(entry.pk)


def test_another_practices_staff_cannot_renew_the_links(client, s, upcoming, entry):
    other = bookable_practice()
    for role in (Role.OWNER, Role.RECEPTION):
        client.force_login(member_of(other.practice, role).user)
        for name, pk in (
            ("booking_staff:appointment_link_renew", upcoming.pk),
            ("booking_staff:waitlist_link_renew", entry.pk),
        ):
            assert client.post(reverse(name, args=[pk])).status_code == 404
    assert Appointment.objects.get(pk=upcoming.pk).token == upcoming.token
    assert WaitlistEntry.objects.get(pk=entry.pk).token == entry.token
    assert not AuditEntry.objects.filter(action=AuditAction.LINK_RENEWED).exists()


def test_renewing_needs_a_post(client, s, upcoming, entry):
    client.force_login(member_of(s.practice, Role.OWNER).user)
    url = reverse("booking_staff:appointment_link_renew", args=[upcoming.pk])
    assert client.get(url).status_code == 405
    url = reverse("booking_staff:waitlist_link_renew", args=[entry.pk])
    assert client.get(url).status_code == 405
    assert Appointment.objects.get(pk=upcoming.pk).token == upcoming.token
    assert WaitlistEntry.objects.get(pk=entry.pk).token == entry.token


def test_the_new_manage_link_can_be_emailed_to_the_client(client, s, upcoming):
    client.force_login(member_of(s.practice, Role.RECEPTION).user)
    old = upcoming.token

    response = client.post(
        reverse("booking_staff:appointment_link_renew", args=[upcoming.pk]),
        {"send": "1"},
        follow=True,
    )

    upcoming.refresh_from_db()
    assert upcoming.client.email in response.content.decode()
    row = Notification.objects.get(kind=NotificationKind.NEW_LINK)
    assert (row.channel, row.recipient, row.appointment_id) == (
        Channel.EMAIL,
        upcoming.client.email,
        upcoming.pk,
    )
    assert row.payload["token"] == upcoming.token
    from citas.notifications.rendering import render_notification

    rendered = render_notification(row)
    assert reverse("manage:page", args=[upcoming.token]) in rendered.text
    assert reverse("manage:page", args=[upcoming.token]) in rendered.html
    assert old not in rendered.text + rendered.html
    assert rendered.attachments == []
    assert "enlace" in rendered.subject.lower()


def test_without_asking_nothing_is_emailed(client, s, upcoming):
    client.force_login(member_of(s.practice, Role.RECEPTION).user)

    client.post(reverse("booking_staff:appointment_link_renew", args=[upcoming.pk]))

    assert not Notification.objects.filter(kind=NotificationKind.NEW_LINK).exists()
