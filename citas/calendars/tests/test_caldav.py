"""Two-way CalDAV against a real Radicale server on loopback."""

import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse

from citas.booking.services import appointment_book, appointment_cancel, appointment_reschedule
from citas.calendars.models import CalDAVAccount, ExternalBusy, ExternalCalendar, SyncProblem
from citas.calendars.secrets import decrypt
from citas.calendars.services import (
    appointment_push,
    caldav_account_connect,
    caldav_calendar_read_set,
    caldav_write_calendar_set,
    external_calendar_sync,
)
from citas.core.errors import ServiceError
from citas.core.factories import MembershipFactory, ProfessionalFactory, WorkingHoursFactory
from citas.notifications.ics import event_uid
from citas.practices.models import Role

from .conftest import EVENT, MADRID, calendar_url
from .radicale_server import PASSWORD, USER


def remote_events(radicale, url):
    collection = radicale.client().calendar(url=url)
    return {obj.icalendar_component["UID"]: obj.icalendar_component for obj in collection.events()}


def book(s, start, now):
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=start,
        by_client=True,
        now=now,
    )


def test_connecting_lists_the_calendars_and_keeps_the_password_encrypted(account):
    assert [row["name"] for row in account.calendars_found] == ["Personal", "Trabajo"]
    stored = CalDAVAccount.objects.get()
    assert PASSWORD not in stored.secret
    assert decrypt(stored.secret) == PASSWORD


def test_wrong_credentials_save_nothing(s, radicale):
    with pytest.raises(ServiceError):
        caldav_account_connect(
            practice=s.practice,
            professional=s.professional,
            url=radicale.url,
            username=USER,
            password="wrong",
        )
    assert not CalDAVAccount.objects.exists()


def test_an_event_created_in_the_calendar_removes_the_slot_within_one_sync(
    s, radicale, account, frozen
):
    url = calendar_url(account, "Personal")
    caldav_calendar_read_set(account=account, url=url, read=True)
    radicale.client().calendar(url=url).save_event(
        EVENT.format(uid="court-1", start="20270322T100000", end="20270322T110000")
    )
    calendar = ExternalCalendar.objects.get(account=account)

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and outcome.busy_count == 1
    assert list(ExternalBusy.objects.values_list("start", "end")) == [
        (datetime(2027, 3, 22, 9, tzinfo=UTC), datetime(2027, 3, 22, 10, tzinfo=UTC))
    ]
    with pytest.raises(ServiceError):
        book(s, datetime(2027, 3, 22, 10, tzinfo=MADRID), frozen)


def test_a_booked_appointment_appears_moves_and_disappears_in_the_calendar(
    s, radicale, account, frozen
):
    url = calendar_url(account, "Trabajo")
    caldav_write_calendar_set(account=account, url=url)
    uid = None

    appointment = book(s, datetime(2027, 3, 23, 10, tzinfo=MADRID), frozen)
    assert appointment_push(appointment_id=appointment.pk) == ["saved"]
    uid = event_uid(appointment.pk)
    event = remote_events(radicale, url)[uid]
    assert event["DTSTART"].dt == datetime(2027, 3, 23, 10, tzinfo=MADRID)
    assert s.client.full_name in str(event["SUMMARY"])

    appointment_reschedule(
        appointment=appointment,
        start=datetime(2027, 3, 24, 12, tzinfo=MADRID),
        by=None,
        by_client=True,
        now=frozen,
    )
    appointment_push(appointment_id=appointment.pk)
    moved = remote_events(radicale, url)
    assert list(moved) == [uid]  # the same event, moved: not a second one
    assert moved[uid]["DTSTART"].dt == datetime(2027, 3, 24, 12, tzinfo=MADRID)

    appointment.refresh_from_db()
    appointment_cancel(appointment=appointment, by=None, by_client=True, reason="", now=frozen)
    assert appointment_push(appointment_id=appointment.pk) == ["deleted"]
    assert remote_events(radicale, url) == {}
    assert appointment_push(appointment_id=appointment.pk) == []  # a retry is harmless


def test_an_appointment_moved_to_a_colleague_leaves_the_first_calendar(
    s, radicale, account, frozen
):
    url = calendar_url(account, "Trabajo")
    caldav_write_calendar_set(account=account, url=url)
    colleague = ProfessionalFactory(practice=s.practice)
    WorkingHoursFactory(professional=colleague, weekday=1, start_time=time(9), end_time=time(14))
    s.service.professionals.add(colleague)
    appointment = book(s, datetime(2027, 3, 23, 10, tzinfo=MADRID), frozen)
    appointment_push(appointment_id=appointment.pk)

    appointment_reschedule(
        appointment=appointment,
        start=appointment.start,
        professional=colleague,
        by=None,
        by_client=False,
        now=frozen,
    )

    assert appointment_push(appointment_id=appointment.pk) == ["deleted"]
    assert remote_events(radicale, url) == {}


def test_the_apps_own_events_never_block_time_when_read_back(s, radicale, account, frozen):
    url = calendar_url(account, "Trabajo")
    caldav_write_calendar_set(account=account, url=url)
    caldav_calendar_read_set(account=account, url=url, read=True)
    appointment = book(s, datetime(2027, 3, 23, 10, tzinfo=MADRID), frozen)
    appointment_push(appointment_id=appointment.pk)

    outcome = external_calendar_sync(calendar=ExternalCalendar.objects.get(), now=frozen)

    assert outcome.busy_count == 0


def test_a_server_that_is_down_keeps_the_known_busy_times(s, radicale, account, frozen):
    url = calendar_url(account, "Personal")
    caldav_calendar_read_set(account=account, url=url, read=True)
    radicale.client().calendar(url=url).save_event(
        EVENT.format(uid="court-1", start="20270322T100000", end="20270322T110000")
    )
    calendar = ExternalCalendar.objects.get()
    external_calendar_sync(calendar=calendar, now=frozen)
    radicale.process.kill()
    radicale.process.wait()

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.problem == SyncProblem.NETWORK
    assert ExternalBusy.objects.count() == 1


def test_a_calendar_the_account_did_not_list_is_refused(account):
    with pytest.raises(ServiceError):
        caldav_calendar_read_set(account=account, url="http://127.0.0.1:1/other/", read=True)
    with pytest.raises(ServiceError):
        caldav_write_calendar_set(account=account, url="http://127.0.0.1:1/other/")


def test_connecting_from_the_page_never_shows_or_logs_the_password(
    client, s, radicale, caplog, settings
):
    radicale.make_calendar("Personal")
    owner = MembershipFactory(practice=s.practice, role=Role.OWNER)
    client.force_login(owner.user)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            reverse("calendars:caldav_connect"),
            {
                "url": radicale.url,
                "username": USER,
                "password": PASSWORD,
                "professional": s.professional.pk,
            },
            follow=True,
        )
    page = response.content.decode()
    assert response.status_code == 200 and "Personal" in page
    assert PASSWORD not in page
    assert PASSWORD not in caplog.text
    account = CalDAVAccount.objects.get()
    url = calendar_url(account, "Personal")
    client.post(reverse("calendars:caldav_read", args=[account.pk]), {"url": url, "read": "1"})
    client.post(reverse("calendars:caldav_write", args=[account.pk]), {"url": url})
    account.refresh_from_db()
    assert account.write_calendar_url == url
    assert ExternalCalendar.objects.get().account == account


@pytest.mark.parametrize("route", ["caldav_read", "caldav_write", "caldav_remove"])
def test_another_practices_account_is_404_and_unchanged(client, s, route):
    account = CalDAVAccount.objects.create(
        practice=s.practice,
        professional=s.professional,
        url="https://dav.example.com/",
        username="x",
        secret="y",
        calendars_found=[{"name": "A", "url": "https://dav.example.com/a/"}],
    )
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)

    response = client.post(
        reverse(f"calendars:{route}", args=[account.pk]),
        {"url": "https://dav.example.com/a/", "read": "1"},
    )

    assert response.status_code == 404
    account.refresh_from_db()
    assert account.write_calendar_url == "" and not ExternalCalendar.objects.exists()
