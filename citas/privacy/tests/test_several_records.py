"""One person, two client records at the same practice (their account's own record and one
that staff made under another verified address): "Mis citas" applies each right to both."""

import io
import json
import zipfile

from django.urls import reverse

from citas.core.factories import ClientFactory, UserFactory
from citas.notifications.models import ClientContactPreference
from citas.privacy.models import ConsentPurpose, ErasureRequest
from citas.privacy.services import consent_record


def two_records(s):
    user = UserFactory(email="lucia@example.com", verified=True)
    user.emailaddress_set.create(email="lucia.trabajo@example.com", verified=True)
    own = ClientFactory(practice=s.practice, user=user, email="lucia@example.com", notes="A")
    other = ClientFactory(practice=s.practice, email="lucia.trabajo@example.com", phone="+34600")
    stranger = ClientFactory(practice=s.practice, email="otra@example.com", phone="+34611")
    for texting in (other, stranger):
        consent_record(client=texting, purpose=ConsentPurpose.SMS, granted=True, channel="staff")
    return user, own, other, stranger


def test_the_export_holds_every_record_of_the_person(client, s):
    user, own, other, stranger = two_records(s)
    client.force_login(user)

    response = client.get(reverse("my_data:export", args=[s.practice.slug]))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        f"ficha-{c.pk}/{name}" for c in (own, other) for name in ("datos.json", "resumen.html")
    )
    emails = {
        json.loads(archive.read(f"ficha-{c.pk}/datos.json"))["profile"]["email"]
        for c in (own, other)
    }
    assert emails == {"lucia@example.com", "lucia.trabajo@example.com"}
    assert stranger.email not in response.content.decode("latin-1")


def test_stopping_texts_and_asking_for_erasure_cover_every_record(client, s):
    user, own, other, stranger = two_records(s)
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    # The practice is listed once, and the texts of the second record are offered to stop.
    assert home.count(f'data-practice="{s.practice.slug}"') == 1
    assert reverse("my_data:sms_withdraw", args=[s.practice.slug]) in home

    client.post(reverse("my_data:sms_withdraw", args=[s.practice.slug]))
    client.post(reverse("my_data:erasure", args=[s.practice.slug]))

    texting = set(
        ClientContactPreference.objects.filter(sms_consent=True).values_list("client", flat=True)
    )
    assert texting == {stranger.pk}
    assert set(ErasureRequest.objects.values_list("client", flat=True)) == {own.pk, other.pk}
    assert "Supresión solicitada" in client.get(reverse("home")).content.decode()
