import io
import json
import urllib.error
from datetime import datetime, timedelta

import pytest
import time_machine

from citas.notifications.channels import ChannelError, SmsChannel, TwilioSmsBackend
from citas.notifications.delivery import notifications_send_due
from citas.notifications.models import ClientContactPreference, Notification
from citas.notifications.services import daily_agendas_schedule, on_appointment_event, settings_for

from .conftest import MADRID, NOW

pytestmark = pytest.mark.django_db


class FakeTwilio:
    def __init__(self, answer=b'{"sid": "SM1"}', error=None):
        self.requests, self.answer, self.error = [], answer, error

    def __call__(self, request):
        self.requests.append(request)
        if self.error:
            raise self.error
        return self.answer


@pytest.fixture
def twilio(settings):
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "secret"
    settings.TWILIO_FROM_NUMBER = "+34900000000"


def test_twilio_posts_the_message_with_basic_auth(twilio):
    transport = FakeTwilio()

    TwilioSmsBackend(transport=transport).send(to="+34600111222", body="Hola")

    (request,) = transport.requests
    assert request.full_url.endswith("/Accounts/AC123/Messages.json")
    assert request.get_header("Authorization").startswith("Basic ")
    assert b"To=%2B34600111222" in request.data


@pytest.mark.parametrize(("code", "permanent"), [(400, True), (429, False), (503, False)])
def test_twilio_errors_say_whether_a_retry_can_help(twilio, code, permanent):
    error = urllib.error.HTTPError("u", code, "x", {}, io.BytesIO(b"{}"))

    with pytest.raises(ChannelError) as raised:
        TwilioSmsBackend(transport=FakeTwilio(error=error)).send(to="+34600111222", body="x")

    assert raised.value.permanent is permanent


def test_twilio_without_credentials_fails_clearly(settings):
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(ChannelError, match="not configured"):
        TwilioSmsBackend(transport=FakeTwilio()).send(to="+34600111222", body="x")


def test_a_text_message_to_a_consenting_client_goes_through_the_sms_backend(
    settings, monkeypatch, make_appointment, client_record, practice
):
    settings.SMS_BACKEND = "citas.notifications.channels.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "t"
    settings.TWILIO_FROM_NUMBER = "+34900000000"
    fake = FakeTwilio(answer=json.dumps({"sid": "SM9"}).encode())
    monkeypatch.setattr(TwilioSmsBackend, "_urlopen", staticmethod(fake))
    options = settings_for(practice)
    options.sms_enabled = True
    options.save()
    client_record.phone = "+34 600 111 222"
    client_record.save()
    ClientContactPreference.objects.create(client=client_record, sms_consent=True)
    with time_machine.travel(NOW, tick=False):
        on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)

    notifications_send_due(now=NOW, worker_id="w")

    sms = Notification.objects.get(channel="sms", kind="confirmed")
    assert sms.status == "sent"
    assert b"lunes%2C+30+de+noviembre+de+2026%2C+10%3A00" in fake.requests[0].data


def test_a_phone_number_that_is_not_international_fails_without_retry(make_appointment):
    notification = Notification(recipient="600 11", channel="sms")

    with pytest.raises(ChannelError) as raised:
        SmsChannel(backend=object()).send(notification, None)

    assert raised.value.permanent


def test_the_daily_agenda_lists_the_professional_day_once(
    practice, professional, make_appointment, mailoutbox
):
    options = settings_for(practice)
    options.daily_agenda_hour = 7
    options.save()
    make_appointment(start=datetime(2026, 11, 30, 10, tzinfo=MADRID))
    make_appointment(start=datetime(2026, 11, 30, 12, tzinfo=MADRID), status="pending")
    make_appointment(start=datetime(2026, 12, 1, 10, tzinfo=MADRID))
    seven = datetime(2026, 11, 30, 7, 0, tzinfo=MADRID)

    for minute in (0, 1, 59):
        daily_agendas_schedule(now=seven + timedelta(minutes=minute))
    daily_agendas_schedule(now=seven + timedelta(hours=1))
    notifications_send_due(now=seven + timedelta(minutes=2), worker_id="w")

    (agenda,) = mailoutbox
    assert agenda.to == ["luis@fisio.test"]
    assert "lunes, 30 de noviembre de 2026" in agenda.subject
    assert "10:00" in agenda.body and "12:00" in agenda.body
    assert "por aprobar" in agenda.body
