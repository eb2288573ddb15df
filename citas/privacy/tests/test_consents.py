from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from citas.booking.forms import format_start
from citas.booking.models import Appointment
from citas.core.factories import MembershipFactory
from citas.notifications.models import (
    Channel,
    ClientContactPreference,
    Notification,
    NotificationSettings,
    NotificationStatus,
)
from citas.practices.models import Role
from citas.privacy.models import (
    AuditAction,
    AuditEntry,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PrivacyNotice,
    PrivacySettings,
)
from citas.privacy.services import notice_publish

from .conftest import MADRID, member_of

THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)


def book(client, s, start=THURSDAY_TEN, **extra):
    return client.post(
        reverse("public_booking:submit", args=[s.practice.slug]),
        {
            "service": s.service.pk,
            "professional": s.professional.pk,
            "start": format_start(start),
            "full_name": "Ana Pérez",
            "email": "ana@example.com",
            "phone": "600000000",
            "privacy": "on",
            **extra,
        },
    )


def test_each_booking_stores_its_own_consent_row_with_the_notice_version(client, s):
    notice_publish(practice=s.practice, by=None, controller_name="X", controller_email="x@x.es")

    book(client, s)
    book(client, s, start=THURSDAY_TEN + timedelta(hours=1))

    rows = ConsentRecord.objects.filter(purpose=ConsentPurpose.APPOINTMENTS)
    assert rows.count() == 2
    assert {r.notice.version for r in rows} == {1}
    assert {r.channel for r in rows} == {ConsentChannel.BOOKING_PAGE}
    assert not ConsentRecord.objects.filter(purpose=ConsentPurpose.SMS).exists()


def test_the_first_consent_generates_version_one_of_the_notice(client, s):
    book(client, s)

    notice = PrivacyNotice.objects.get()
    assert notice.version == 1 and notice.controller_name == s.practice.name
    assert ConsentRecord.objects.get().notice == notice


def test_sms_and_marketing_consents_are_separate_rows(client, s):
    PrivacySettings.objects.create(practice=s.practice, marketing_consent_offered=True)

    book(client, s, sms_consent="on", marketing="on")

    purposes = set(ConsentRecord.objects.values_list("purpose", flat=True))
    assert purposes == {"appointments", "sms", "marketing"}
    assert ClientContactPreference.objects.get().sms_consent


def test_staff_withdraws_sms_consent_on_the_phone_and_pending_texts_stop(client, s):
    NotificationSettings.objects.update_or_create(
        practice=s.practice, defaults={"sms_enabled": True}
    )
    book(client, s, sms_consent="on")
    client_record = Appointment.objects.get().client
    pending_sms = Notification.objects.filter(
        channel=Channel.SMS, status=NotificationStatus.PENDING
    )
    assert pending_sms.exists()
    staff = member_of(s.practice, Role.RECEPTION)
    client.force_login(staff.user)

    client.post(
        reverse("privacy:client_consent", args=[client_record.pk]),
        {"purpose": "sms", "granted": "0"},
    )

    withdrawal = ConsentRecord.objects.filter(purpose="sms").first()
    assert withdrawal.granted is False and withdrawal.channel == ConsentChannel.STAFF
    assert withdrawal.recorded_by == staff.user
    assert not ClientContactPreference.objects.get().sms_consent
    assert not pending_sms.exists()
    assert AuditEntry.objects.filter(action=AuditAction.CONSENT_CHANGED).exists()
    page = client.get(reverse("booking_staff:client_detail", args=[client_record.pk]))
    assert "Retirado" in page.content.decode()


def test_a_bad_consent_post_changes_nothing(client, s):
    staff = member_of(s.practice, Role.RECEPTION)
    client.force_login(staff.user)

    response = client.post(
        reverse("privacy:client_consent", args=[s.client.pk]), {"purpose": "x", "granted": "1"}
    )

    assert response.status_code == 302
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_another_practice_cannot_record_a_consent(client, s):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    response = client.post(
        reverse("privacy:client_consent", args=[s.client.pk]), {"purpose": "sms", "granted": "1"}
    )

    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_the_client_stops_text_messages_from_mis_citas(client, s):
    from citas.core.factories import UserFactory

    NotificationSettings.objects.update_or_create(
        practice=s.practice, defaults={"sms_enabled": True}
    )
    book(client, s, sms_consent="on")
    pending_sms = Notification.objects.filter(
        channel=Channel.SMS, status=NotificationStatus.PENDING
    )
    assert pending_sms.exists()
    client.force_login(UserFactory(email="ana@example.com", verified=True))
    url = reverse("my_data:sms_withdraw", args=[s.practice.slug])
    assert url in client.get(reverse("home")).content.decode()

    client.post(url)

    withdrawal = ConsentRecord.objects.filter(purpose="sms").first()
    assert (withdrawal.granted, withdrawal.channel) == (False, ConsentChannel.CLIENT_ACCOUNT)
    assert not pending_sms.exists()
    assert url not in client.get(reverse("home")).content.decode()


def test_a_stranger_cannot_stop_someone_elses_texts(client, s):
    from citas.core.factories import UserFactory

    book(client, s, sms_consent="on")
    client.force_login(UserFactory(email="otro@example.com", verified=True))

    response = client.post(reverse("my_data:sms_withdraw", args=[s.practice.slug]))

    assert response.status_code == 404
    assert ClientContactPreference.objects.get().sms_consent


def test_staff_records_the_withdrawal_of_the_marketing_consent(client, s):
    PrivacySettings.objects.create(practice=s.practice, marketing_consent_offered=True)
    book(client, s, marketing="on")
    client_record = Appointment.objects.get().client
    client.force_login(member_of(s.practice, Role.ADMIN).user)
    page = reverse("booking_staff:client_detail", args=[client_record.pk])
    assert 'value="marketing"' in client.get(page).content.decode()

    client.post(
        reverse("privacy:client_consent", args=[client_record.pk]),
        {"purpose": "marketing", "granted": "0"},
    )

    latest = ConsentRecord.objects.filter(purpose="marketing").first()
    assert (latest.granted, latest.channel) == (False, ConsentChannel.STAFF)
    after = client.get(page).content.decode()
    assert "Novedades y ofertas: retirar el consentimiento" not in after
    assert "Novedades y ofertas: el cliente acepta (por teléfono)" in after


def test_staff_records_a_marketing_acceptance_given_on_the_phone(client, s, person):
    PrivacySettings.objects.create(practice=s.practice, marketing_consent_offered=True)
    client.force_login(member_of(s.practice, Role.RECEPTION).user)
    page = reverse("booking_staff:client_detail", args=[person.pk])
    assert (
        "Novedades y ofertas: el cliente acepta (por teléfono)" in client.get(page).content.decode()
    )

    client.post(
        reverse("privacy:client_consent", args=[person.pk]),
        {"purpose": "marketing", "granted": "1"},
    )

    row = ConsentRecord.objects.get(client=person, purpose="marketing")
    assert (row.granted, row.channel, row.notice.version) == (True, ConsentChannel.STAFF, 1)
    assert row.recorded_by.memberships.get().role == Role.RECEPTION
    assert "Novedades y ofertas: retirar el consentimiento" in client.get(page).content.decode()


def test_no_marketing_acceptance_when_the_practice_does_not_offer_it(client, s, person):
    client.force_login(member_of(s.practice, Role.OWNER).user)
    page = reverse("booking_staff:client_detail", args=[person.pk])
    assert 'value="marketing"' not in client.get(page).content.decode()

    response = client.post(
        reverse("privacy:client_consent", args=[person.pk]),
        {"purpose": "marketing", "granted": "1"},
        follow=True,
    )

    assert "no pide el consentimiento para enviar novedades" in response.content.decode()
    assert not ConsentRecord.objects.filter(client=person).exists()
