from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse

from citas.booking.models import Client
from citas.core.factories import AppointmentFactory, ClientFactory
from citas.notifications.models import Notification
from citas.privacy.erasure import client_block, retention_apply
from citas.privacy.models import AuditAction, AuditEntry, PrivacySettings
from citas.privacy.services import audit_record

from .conftest import NOW, member_of

YEAR = timedelta(days=366)


def test_retention_anonymises_blocked_data_after_its_period_and_is_idempotent(s, person):
    client_block(client=person, by=None, now=NOW - 3 * YEAR)

    first = retention_apply(practice=s.practice, now=NOW)
    second = retention_apply(practice=s.practice, now=NOW)

    assert first.anonymised_blocked == 1
    assert second.as_dict() == {
        "practice": s.practice.slug,
        "anonymised_blocked": 0,
        "anonymised_inactive": 0,
        "message_bodies_cleared": 0,
        "audit_entries_deleted": 0,
    }
    assert Client.objects.get(pk=person.pk).anonymised_at == NOW
    assert AuditEntry.objects.filter(action=AuditAction.RETENTION_APPLIED).count() == 1


def test_blocked_data_within_its_period_is_kept(s, person):
    client_block(client=person, by=None, now=NOW - 2 * YEAR)

    assert retention_apply(practice=s.practice, now=NOW).anonymised_blocked == 0
    assert Client.all_objects.get(pk=person.pk).full_name == "Lucía Privada"


def test_clients_without_appointments_for_the_period_are_anonymised(s):
    old = ClientFactory(practice=s.practice, full_name="Antiguo")
    AppointmentFactory(
        professional=s.professional, service=s.service, client=old, start=NOW - 6 * YEAR
    )
    recent = ClientFactory(practice=s.practice, full_name="Reciente")
    AppointmentFactory(
        professional=s.professional, service=s.service, client=recent, start=NOW - 4 * YEAR
    )
    PrivacySettings.objects.create(practice=s.practice, inactive_client_years=5)

    report = retention_apply(practice=s.practice, now=NOW)

    assert report.anonymised_inactive == 1
    assert Client.objects.get(pk=old.pk).full_name.startswith("Cliente anónimo")
    assert Client.objects.get(pk=recent.pk).full_name == "Reciente"


def test_old_message_bodies_and_audit_lines_are_removed(s, person, owner_of):
    from citas.booking.services import appointment_cancel

    appointment_cancel(appointment=person.appointments.get(status="confirmed"), by_client=True)
    Notification.objects.update(due_at=NOW - 13 * timedelta(days=31))
    old_line = audit_record(practice=s.practice, actor=None, action=AuditAction.CLIENT_VIEWED)
    AuditEntry.objects.filter(pk=old_line.pk).update(created_at=NOW - 25 * timedelta(days=31))

    report = retention_apply(practice=s.practice, now=NOW)

    assert report.message_bodies_cleared == Notification.objects.count() > 0
    assert not Notification.objects.exclude(payload={}).exists()
    assert not Notification.objects.filter(recipient="lucia@example.com").exists()
    assert report.audit_entries_deleted == 1
    assert retention_apply(practice=s.practice, now=NOW).message_bodies_cleared == 0


def test_the_command_reports_what_it_did(s, person, capsys):
    client_block(client=person, by=None, now=NOW - 4 * YEAR)

    call_command("apply_retention")

    assert "'anonymised_blocked': 1" in capsys.readouterr().out


def test_owners_and_admins_change_the_retention_settings_with_limits(client, s):
    client.force_login(member_of(s.practice, "admin").user)
    data = {
        "inactive_client_years": 6,
        "notification_body_months": 12,
        "audit_log_months": 24,
        "blocked_data_years": 3,
    }

    bad = client.post(reverse("privacy:settings"), {**data, "audit_log_months": 1})
    good = client.post(reverse("privacy:settings"), data)

    assert bad.status_code == 200 and "Introduce un número entre 6 y 120." in bad.content.decode()
    assert good.status_code == 302
    assert PrivacySettings.objects.get().inactive_client_years == 6
    assert AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED).count() == 1


def test_the_daily_huey_task_applies_retention(s, person):
    from citas.privacy.tasks import apply_retention

    client_block(client=person, by=None, now=NOW - 4 * YEAR)

    apply_retention.call_local()

    assert Client.objects.get(pk=person.pk).anonymised_at is not None
