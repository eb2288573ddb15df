from datetime import datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from citas.notifications.delivery import notifications_send_due
from citas.notifications.services import on_appointment_event

from .conftest import MADRID, NOW

pytestmark = pytest.mark.django_db


def only_event(content):
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def calendar_attachments(outbox):
    return [content for m in outbox for _name, content, _type in m.attachments]


@time_machine.travel(NOW, tick=False)
def test_confirmation_change_and_cancellation_are_one_event_with_a_rising_sequence(
    make_appointment, mailoutbox
):
    appointment = make_appointment()
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    notifications_send_due(now=NOW, worker_id="w")
    previous = appointment.start
    shift = timedelta(days=1)
    for field in ("start", "end", "blocked_start", "blocked_end"):
        setattr(appointment, field, getattr(appointment, field) + shift)
    appointment.save()
    on_appointment_event(
        appointment=appointment, kind="rescheduled", by_client=False, previous_start=previous
    )
    notifications_send_due(now=NOW, worker_id="w")
    appointment.status = "cancelled"
    appointment.save()
    on_appointment_event(appointment=appointment, kind="cancelled", by_client=False)
    notifications_send_due(now=NOW, worker_id="w")

    parsed = [only_event(c) for c in calendar_attachments(mailoutbox)]

    uids = {str(event["UID"]) for _cal, event in parsed}
    assert uids == {f"appointment-{appointment.pk}@testserver"}
    assert [int(event["SEQUENCE"]) for _cal, event in parsed] == [0, 1, 2]
    assert [str(cal["METHOD"]) for cal, _event in parsed] == ["REQUEST", "REQUEST", "CANCEL"]
    assert str(parsed[2][1]["STATUS"]) == "CANCELLED"
    _cal, moved = parsed[1]
    assert moved["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert moved["DTSTART"].dt == datetime(2026, 12, 1, 10, 0, tzinfo=MADRID)
    assert moved["DTEND"].dt == datetime(2026, 12, 1, 10, 30, tzinfo=MADRID)
    assert "Europe/Madrid" in [str(tz["TZID"]) for tz in parsed[1][0].walk("VTIMEZONE")]
    assert "mailto:recepcion@fisio.test" in str(moved["ORGANIZER"])
    assert str(moved["SUMMARY"]) == "Fisioterapia · Fisio Centro"


def test_the_download_link_serves_the_current_event(client, make_appointment):
    appointment = make_appointment()

    response = client.get(f"/cita/{appointment.token}/calendario.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar, event = only_event(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"appointment-{appointment.pk}@testserver"
    assert event["DTSTART"].dt == appointment.start


def test_the_download_link_with_a_wrong_token_is_404(client, make_appointment):
    make_appointment()

    assert client.get("/cita/not-a-token/calendario.ics").status_code == 404
