from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from citas.booking.forms import format_start
from citas.booking.models import Appointment
from citas.notifications.delivery import notifications_send_due
from citas.practices.models import Role
from citas.privacy.models import AuditAction, AuditEntry, PrivacyNotice, PrivacySettings
from citas.privacy.services import notice_publish

from .conftest import MADRID, member_of

THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)


def notice_url(practice, **query):
    url = reverse("privacy_public:notice", args=[practice.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def notice_fields(**overrides):
    return {
        "controller_name": "Fisioterapia Ruiz S.L.",
        "controller_tax_id": "B12345678",
        "controller_address": "Calle Mayor 1, Madrid",
        "controller_email": "privacidad@ruiz.example",
        "dpo_contact": "",
        "processors": "Amazon SES (correo)",
        "extra_es": "Texto adicional en español",
        "extra_en": "Additional English text",
        **overrides,
    }


def test_the_notice_exists_before_anyone_writes_it_generated_from_the_practice(client, s):
    s.practice.email = "hola@clinica.example"
    s.practice.save()

    page = client.get(notice_url(s.practice)).content.decode()

    assert s.practice.name in page
    assert "hola@clinica.example" in page
    assert "AEPD" in page  # the right to complain
    assert "Información básica sobre protección de datos" in page  # the first layer
    assert "5 años" in page  # the default retention period


def test_each_edit_publishes_a_new_version_and_old_versions_stay_readable(client, s):
    manager = member_of(s.practice, Role.ADMIN)
    client.force_login(manager.user)

    client.post(reverse("privacy:notice_edit"), notice_fields())
    client.post(reverse("privacy:notice_edit"), notice_fields(controller_name="Nuevo nombre S.L."))

    versions = list(PrivacyNotice.objects.filter(practice=s.practice).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].controller_name == "Fisioterapia Ruiz S.L."
    assert "Nuevo nombre S.L." in client.get(notice_url(s.practice)).content.decode()
    old = client.get(notice_url(s.practice, v=1)).content.decode()
    assert "Fisioterapia Ruiz S.L." in old and "Nuevo nombre S.L." not in old
    assert AuditEntry.objects.filter(action=AuditAction.NOTICE_PUBLISHED).count() == 2


def test_a_version_keeps_the_retention_terms_it_was_published_with(client, s):
    notice_publish(practice=s.practice, by=None, **notice_fields())
    client.force_login(member_of(s.practice, Role.OWNER).user)
    settings_form = {
        "inactive_client_years": 2,
        "notification_body_months": 7,
        "audit_log_months": 24,
        "blocked_data_years": 4,
    }

    assert client.post(reverse("privacy:settings"), settings_form).status_code == 302

    # The changed terms are published as a new version of the same notice text...
    versions = list(PrivacyNotice.objects.filter(practice=s.practice).order_by("version"))
    assert [(v.version, v.inactive_client_years, v.blocked_data_years) for v in versions] == [
        (1, 5, 3),
        (2, 2, 4),
    ]
    assert versions[1].controller_name == "Fisioterapia Ruiz S.L."
    current = client.get(notice_url(s.practice)).content.decode()
    assert "2 años" in current and "7 meses" in current and "4 años" in current
    # ... and version 1 still says what the clients who accepted it read.
    first = client.get(notice_url(s.practice, v=1)).content.decode()
    assert "5 años" in first and "12 meses" in first and "3 años" in first
    assert "2 años" not in first and "7 meses" not in first

    # A setting the notice does not state publishes nothing.
    client.post(reverse("privacy:settings"), {**settings_form, "audit_log_months": 36})
    client.post(reverse("privacy:settings"), {**settings_form, "reception_sees_notes": "on"})
    assert PrivacyNotice.objects.filter(practice=s.practice).count() == 2


def test_the_notice_shows_the_additional_text_in_the_visitors_language(client, s):
    notice_publish(practice=s.practice, by=None, **notice_fields())

    spanish = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<p class="privacy-extra">Texto adicional en español</p>' in spanish
    assert '<p class="privacy-extra">Additional English text</p>' in english
    assert "Privacy notice" in english


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ca", "Avís de privadesa"), ("eu", "Pribatutasun-oharra"), ("gl", "Aviso de privacidade")],
)
def test_catalan_basque_and_galician_visitors_read_the_spanish_text_marked_as_spanish(
    client, s, language, heading
):
    notice_publish(practice=s.practice, by=None, **notice_fields())

    page = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<html lang="{language}">' in page and heading in page
    assert '<p class="privacy-extra" lang="es">Texto adicional en español</p>' in page
    assert "Additional English text" not in page


@pytest.mark.parametrize("language", ["es", "ca", "eu", "gl"])
def test_a_text_written_only_in_english_is_shown_rather_than_left_out(client, s, language):
    notice_publish(practice=s.practice, by=None, **notice_fields(extra_es=""))

    page = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert '<p class="privacy-extra" lang="en">Additional English text</p>' in page


def test_english_visitors_read_the_spanish_text_when_there_is_no_english_one(client, s):
    notice_publish(practice=s.practice, by=None, **notice_fields(extra_en=" "))

    page = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<p class="privacy-extra" lang="es">Texto adicional en español</p>' in page


def test_without_free_text_the_notice_has_no_empty_section(client, s):
    notice_publish(practice=s.practice, by=None, **notice_fields(extra_es="", extra_en=""))

    for language in ("es", "en", "ca", "eu", "gl"):
        page = client.get(notice_url(s.practice), HTTP_ACCEPT_LANGUAGE=language)
        assert b"privacy-extra" not in page.content


def test_an_invalid_notice_is_refused_with_a_message_and_no_version(client, s):
    client.force_login(member_of(s.practice, Role.OWNER).user)

    response = client.post(reverse("privacy:notice_edit"), notice_fields(controller_email="no"))

    assert response.status_code == 200
    assert "Introduce una dirección de correo electrónico válida" in response.content.decode()
    assert not PrivacyNotice.objects.exists()


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.RECEPTION])
def test_only_owners_and_admins_edit_the_notice(client, s, role):
    client.force_login(member_of(s.practice, role).user)

    response = client.post(reverse("privacy:notice_edit"), notice_fields())

    assert response.status_code == 404
    assert not PrivacyNotice.objects.exists()


@pytest.mark.parametrize("query", [{"v": 7}, {"v": "x"}])
def test_an_unknown_version_or_practice_is_a_404(client, s, query):
    assert client.get(notice_url(s.practice, **query)).status_code == 404
    assert client.get("/r/no-such-practice/privacidad/").status_code == 404


def test_the_booking_form_shows_the_first_layer_and_links_the_checkbox_to_the_notice(client, s):
    url = reverse("public_booking:page", args=[s.practice.slug])
    query = f"?service={s.service.pk}&professional={s.professional.pk}"
    query += f"&day=2026-12-03&start={format_start(THURSDAY_TEN)}"

    page = client.get(url + query).content.decode()

    assert f'href="{notice_url(s.practice)}"' in page
    assert 'id="privacy-basic"' in page
    assert 'name="marketing"' not in page  # not offered by default


def test_a_practice_that_offers_marketing_asks_with_a_separate_unticked_box(client, s):
    PrivacySettings.objects.create(practice=s.practice, marketing_consent_offered=True)
    url = reverse("public_booking:page", args=[s.practice.slug])
    query = f"?service={s.service.pk}&professional={s.professional.pk}"
    query += f"&day=2026-12-03&start={format_start(THURSDAY_TEN)}"

    page = client.get(url + query).content.decode()

    assert 'type="checkbox" name="marketing"' in page
    marketing_input = page[
        page.index('name="marketing"') - 60 : page.index('name="marketing"') + 80
    ]
    assert "checked" not in marketing_input


def test_the_confirmation_email_links_the_privacy_notice(client, s):
    client.post(
        reverse("public_booking:submit", args=[s.practice.slug]),
        {
            "service": s.service.pk,
            "professional": s.professional.pk,
            "start": format_start(THURSDAY_TEN),
            "full_name": "Ana",
            "email": "ana@example.com",
            "privacy": "on",
        },
    )
    assert Appointment.objects.count() == 1
    notifications_send_due(now=timezone.now(), worker_id="test")

    to_client = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert to_client
    assert f"http://testserver{notice_url(s.practice)}" in to_client[0].body
