import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citas.booking import services, staff_views
from citas.booking.attendance import appointment_client_confirm
from citas.booking.models import Appointment, AppointmentStatus, Client
from citas.calendars.models import ExternalBusy, ExternalCalendar
from citas.calendars.services import external_calendar_update
from citas.catalog.services import service_update
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role
from citas.privacy.erasure import client_anonymise, client_block
from citas.scheduling.selectors import policy_for
from citas.scheduling.services import time_off_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday morning
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)
FEED = reverse("booking_staff:agenda_feed")
WEEK = {"start": "2026-11-30T00:00:00", "end": "2026-12-07T00:00:00"}


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.RECEPTION)


@pytest.fixture
def professional(member):
    professional = ProfessionalFactory(practice=member.practice, display_name="Luis Gil")
    for weekday in range(5):
        WorkingHoursFactory(professional=professional, weekday=weekday, end_time=time(14))
    return professional


@pytest.fixture
def service(professional):
    return ServiceFactory(
        practice=professional.practice,
        name="Fisioterapia",
        color="#aa3355",
        professionals=[professional],
    )


@pytest.fixture
def booked(professional, service):
    client = ClientFactory(practice=professional.practice, full_name="Ana López")
    return AppointmentFactory(
        professional=professional, service=service, client=client, start=TUESDAY_TEN
    )


def _move(client, appointment, **body):
    return client.post(
        reverse("booking_staff:appointment_move", args=[appointment.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def test_the_agenda_page_loads_the_calendar_for_a_receptionist(member_client, professional):
    response = member_client.get(reverse("booking_staff:agenda"))

    assert response.status_code == 200
    config = response.context["agenda_config"]
    assert config["resources"] == [{"id": professional.pk, "title": "Luis Gil"}]
    assert (config["slotMinTime"], config["slotMaxTime"]) == ("09:00:00", "14:00:00")
    assert "event-calendar.min.js" in response.content.decode()


@pytest.mark.parametrize("others", [0, 4])
def test_the_agenda_page_runs_a_fixed_number_of_queries(
    client, professional, others, django_assert_num_queries
):
    owner = MembershipFactory(practice=professional.practice, role=Role.OWNER)
    for n in range(others):
        ProfessionalFactory(practice=professional.practice, display_name=f"P{n}", color="#123456")
    client.force_login(owner.user)
    client.get(reverse("booking_staff:agenda"))  # the session's activity, once per interval

    # session, user, memberships (with the two-step flag), professionals, working-hours bounds,
    # the failed-notifications probe for the manager's badge
    with django_assert_num_queries(6):
        page = client.get(reverse("booking_staff:agenda")).content.decode()

    assert page.count("data-agenda-professional") == 1 + others
    assert page.count('data-color="#123456"') == others


def test_the_agenda_speaks_the_users_language(member_client):
    config = member_client.get(
        reverse("booking_staff:agenda"), headers={"accept-language": "en"}
    ).context["agenda_config"]

    assert config["locale"] == "en"
    assert config["text"]["close"] == "Close"


def test_the_agenda_spans_seven_to_nine_without_working_hours(member_client):
    config = member_client.get(reverse("booking_staff:agenda")).context["agenda_config"]

    assert (config["slotMinTime"], config["slotMaxTime"]) == ("07:00:00", "21:00:00")


def test_the_feed_gives_events_in_the_practice_wall_clock_with_colour_and_title(
    member_client, booked
):
    booked.professional.color = "#225588"
    booked.professional.save()
    response = member_client.get(FEED, WEEK)

    assert response.status_code == 200
    [event] = response.json()
    assert event["id"] == booked.pk
    assert event["start"] == "2026-12-01T10:00:00"
    assert event["end"] == "2026-12-01T10:30:00"
    assert event["title"] == "10:00 Ana López"
    # Coloured by professional, like the legend; the service is a label and a stripe.
    assert event["backgroundColor"] == "#225588"
    assert event["extendedProps"]["service"] == "Fisioterapia"
    assert event["extendedProps"]["serviceColor"] == "#aa3355"
    assert event["resourceIds"] == [booked.professional_id]
    assert (event["startEditable"], event["durationEditable"]) == (True, True)


def test_the_feed_reads_an_offset_as_an_absolute_instant(member_client, booked):
    # 09:15–10:00 UTC is 10:15–11:00 in Madrid: it overlaps the 10:00–10:30 appointment.
    response = member_client.get(
        FEED, {"start": "2026-12-01T09:15:00+00:00", "end": "2026-12-01T10:00:00Z"}
    )

    assert [e["id"] for e in response.json()] == [booked.pk]


def test_the_feed_marks_pending_and_closed_states_and_hides_cancelled(
    member_client, booked, professional, service
):
    later = [TUESDAY_TEN + timedelta(hours=h) for h in (1, 2, 3)]
    pending = AppointmentFactory(
        professional=professional, service=service, start=later[0], status="pending"
    )
    done = AppointmentFactory(
        professional=professional, service=service, start=later[1], status="no_show"
    )
    cancelled = AppointmentFactory(
        professional=professional, service=service, start=later[2], status="cancelled"
    )

    events = {e["id"]: e for e in member_client.get(FEED, WEEK).json()}
    with_cancelled = member_client.get(FEED, WEEK | {"cancelled": "on"}).json()

    assert "status-pending" in events[pending.pk]["classNames"]
    assert "status-muted" in events[done.pk]["classNames"]
    assert (events[done.pk]["startEditable"], events[done.pk]["durationEditable"]) == (False, False)
    assert cancelled.pk not in events
    assert cancelled.pk in {e["id"] for e in with_cancelled}


def test_the_feed_shows_only_the_chosen_professionals(member_client, booked, member, service):
    other = ProfessionalFactory(practice=member.practice)
    theirs = AppointmentFactory(professional=other, service=service, start=TUESDAY_TEN)

    only_other = member_client.get(FEED, WEEK | {"professional": [other.pk]}).json()
    both = member_client.get(FEED, WEEK | {"professional": [other.pk, booked.professional_id]})

    assert [e["id"] for e in only_other] == [theirs.pk]
    assert len(both.json()) == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "ayer", "end": "2026-12-07T00:00:00"},
        {"start": "2026-12-07T00:00:00", "end": "2026-11-30T00:00:00"},
        {"start": "2026-11-01T00:00:00", "end": "2027-01-03T00:00:00"},
        WEEK | {"professional": "abc"},
    ],
)
def test_bad_feed_parameters_get_a_400_with_a_reason(member_client, params):
    response = member_client.get(FEED, params)

    assert response.status_code == 400
    assert response.json()["error"]


def test_the_feed_refuses_a_professional_of_another_practice(member_client, booked):
    outsider = ProfessionalFactory()

    response = member_client.get(FEED, WEEK | {"professional": [outsider.pk]})

    assert response.status_code == 400
    assert "professional" in response.json()["errors"]


def test_the_feed_never_shows_another_practices_appointments(client, booked):
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)

    assert client.get(FEED, WEEK).json() == []


@pytest.mark.parametrize("count", [3, 30])
def test_the_feed_runs_a_fixed_number_of_queries(
    member_client, professional, service, count, django_assert_max_num_queries
):
    for i in range(count):
        AppointmentFactory(
            professional=professional,
            service=service,
            start=TUESDAY_TEN + timedelta(days=i % 5, minutes=30 * (i // 5)),
        )
    member_client.get(FEED, WEEK)

    calendar = ExternalCalendar.objects.create(
        practice=professional.practice, professional=professional, name="P", url="https://x.test/"
    )
    for i in range(count):
        start = TUESDAY_TEN + timedelta(days=i % 5, hours=3, minutes=5 * (i // 5))
        ExternalBusy.objects.create(
            calendar=calendar,
            professional=professional,
            start=start,
            end=start + timedelta(minutes=5),
        )
    member_client.get(FEED, WEEK)

    # 7 for session, user, usersessions; 4 for the feed (appointments, time off, busy times)
    with django_assert_max_num_queries(11):
        response = member_client.get(FEED, WEEK)

    assert len(response.json()) == 2 * count


def test_dragging_to_a_free_slot_moves_the_appointment(member_client, booked):
    response = _move(member_client, booked, start="2026-12-01T12:00:00")

    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.start == datetime(2026, 12, 1, 12, tzinfo=MADRID)
    assert booked.events.get().kind == "rescheduled"


def test_dragging_into_another_professionals_column_changes_the_professional(
    member_client, booked, member, service
):
    other = ProfessionalFactory(practice=member.practice)
    WorkingHoursFactory(professional=other, weekday=1)
    service.professionals.add(other)

    response = _move(member_client, booked, start="2026-12-01T10:00:00", professional=other.pk)

    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.professional == other


def test_dragging_onto_a_taken_slot_is_a_409_and_nothing_moves(
    member_client, booked, professional, service
):
    AppointmentFactory(
        professional=professional, service=service, start=TUESDAY_TEN + timedelta(hours=2)
    )

    response = _move(member_client, booked, start="2026-12-01T12:00:00")

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN


def test_a_move_outside_working_hours_can_be_forced_after_confirmation(member_client, booked):
    refused = _move(member_client, booked, start="2026-12-01T18:00:00")
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN

    forced = _move(member_client, booked, start="2026-12-01T18:00:00", override=True)

    assert refused.status_code == 422
    assert refused.json()["can_override"] is True
    assert forced.status_code == 200
    booked.refresh_from_db()
    assert booked.start == datetime(2026, 12, 1, 18, tzinfo=MADRID)
    assert booked.events.get().data["override"] is True


def test_a_closed_appointment_cannot_be_dragged(member_client, booked):
    booked.status = AppointmentStatus.COMPLETED
    booked.save()

    response = _move(member_client, booked, start="2026-12-01T12:00:00")

    assert response.status_code == 422
    assert response.json()["can_override"] is False


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"start": "tomorrow"}'])
def test_a_garbled_move_is_a_400(member_client, booked, body):
    response = member_client.post(
        reverse("booking_staff:appointment_move", args=[booked.pk]),
        body,
        content_type="application/json",
    )

    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN


def test_another_practice_cannot_move_an_appointment(client, booked):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    response = _move(client, booked, start="2026-12-01T12:00:00")

    assert response.status_code == 404
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN


BOOK = reverse("booking_staff:agenda_book")


def _booking(service, professional, **extra):
    return {
        "service": service.pk,
        "professional": professional.pk,
        "start": "2026-12-01T11:00",
        "full_name": "Marta Ruiz",
        "email": "marta@example.com",
        "phone": "600111222",
    } | extra


def test_the_booking_modal_is_prefilled_from_the_clicked_slot(member_client, professional):
    response = member_client.get(
        BOOK, {"start": "2026-12-01T11:00", "professional": professional.pk}
    )

    form = response.context["form"]
    assert form["start"].value() == "2026-12-01T11:00"
    assert str(form["professional"].value()) == str(professional.pk)


def test_the_booking_modal_reads_24_hours_and_says_choose_in_spanish(member_client, professional):
    response = member_client.get(BOOK, {"start": "2026-12-01T15:00"}, HTTP_ACCEPT_LANGUAGE="es")

    content = response.content.decode()
    assert 'type="date"' not in content and 'value="01/12/2026"' in content
    assert 'value="15:00"' in content
    assert "datetime-local" not in content
    assert "---------" not in content
    assert "Elige…" in content


def test_staff_book_with_the_date_and_24_hour_boxes(member_client, service, professional):
    data = _booking(service, professional)
    del data["start"]
    data |= {"start_date": "2026-12-01", "start_time": "11:00"}

    response = member_client.post(BOOK, data)

    assert response.status_code == 200
    booked = Appointment.objects.get(client__full_name="Marta Ruiz")
    assert booked.start.astimezone(MADRID).hour == 11


def test_staff_book_for_a_new_client_by_phone(member_client, member, service, professional):
    response = member_client.post(BOOK, _booking(service, professional))

    assert response.status_code == 200
    assert response["HX-Trigger"] == "appointment-booked"
    appointment = Appointment.objects.get()
    assert appointment.client.email == "marta@example.com"
    assert appointment.start == datetime(2026, 12, 1, 11, tzinfo=MADRID)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.created_by == member.user


def test_staff_book_for_an_existing_client(member_client, service, professional):
    existing = ClientFactory(practice=professional.practice)
    policy = policy_for(professional.practice)
    policy.approval_required = True
    policy.save()

    member_client.post(
        BOOK, _booking(service, professional, client=existing.pk, full_name="", email="")
    )

    appointment = Appointment.objects.get()
    assert appointment.client == existing
    assert appointment.status == AppointmentStatus.CONFIRMED  # staff bookings need no approval
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"start": "2026-12-01T18:00"}, "start"),
        ({"start": "mañana"}, "start"),
        ({"full_name": ""}, "full_name"),
        ({"email": "no-es-un-correo"}, "email"),
        ({"override_policy": "on"}, "confirm_override"),
    ],
)
def test_a_bad_booking_shows_a_field_error_and_saves_nothing(
    member_client, service, professional, extra, field
):
    response = member_client.post(BOOK, _booking(service, professional, **extra))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_a_client_of_another_practice_cannot_be_booked(member_client, service, professional):
    outsider = ClientFactory()

    response = member_client.post(
        BOOK, _booking(service, professional, client=outsider.pk, full_name="", email="")
    )

    assert "client" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_staff_can_book_outside_the_rules_when_they_confirm_it(
    member_client, service, professional
):
    response = member_client.post(
        BOOK,
        _booking(
            service,
            professional,
            start="2026-12-01T18:00",
            override_policy="on",
            confirm_override="on",
        ),
    )

    assert response["HX-Trigger"] == "appointment-booked"
    assert Appointment.objects.get().start == datetime(2026, 12, 1, 18, tzinfo=MADRID)


def test_the_client_search_finds_at_most_ten_of_this_practice(member_client, member):
    ClientFactory.create_batch(12, practice=member.practice, full_name="García Pérez")
    ClientFactory(full_name="García de otra consulta")

    response = member_client.get(reverse("booking_staff:client_picker"), {"q": "garcía"})

    assert len(response.context["clients"]) == 10
    assert all(c.practice_id == member.practice_id for c in response.context["clients"])


def test_the_client_search_matches_email_and_phone(member_client, member):
    found = ClientFactory(practice=member.practice, email="pepa@example.com", phone="611 22 33")

    by_email = member_client.get(reverse("booking_staff:client_picker"), {"q": "PEPA@"})
    by_phone = member_client.get(reverse("booking_staff:client_picker"), {"q": "22 33"})

    assert by_email.context["clients"] == [found]
    assert by_phone.context["clients"] == [found]


@pytest.mark.parametrize(
    ("body", "status"),
    [("[" * 100_000, 400), ('{"start": "\\u0000"}', 400), ("x" * 300_000, 413)],
)
def test_a_move_body_too_deep_or_too_big_is_refused_and_moves_nothing(
    member_client, booked, body, status
):
    response = member_client.post(
        reverse("booking_staff:appointment_move", args=[booked.pk]),
        body,
        content_type="application/json",
    )

    assert response.status_code == status
    assert "error" in response.json()
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN


@pytest.mark.parametrize("start", ["9999-12-31T23:30", "0001-01-01T00:00"])
def test_the_agenda_feed_and_moves_refuse_years_far_from_now(member_client, booked, start):
    feed = member_client.get(reverse("booking_staff:agenda_feed"), {"start": start, "end": start})
    move = member_client.post(
        reverse("booking_staff:appointment_move", args=[booked.pk]),
        f'{{"start": "{start}"}}',
        content_type="application/json",
    )

    assert feed.status_code == move.status_code == 400
    booked.refresh_from_db()
    assert booked.start == TUESDAY_TEN


@pytest.mark.postgres
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_feed_built_by_postgresql_equals_the_python_one(
    member_client, member, professional, service, monkeypatch, language
):
    """On PostgreSQL the appointments' events are formatted by the database; the Python
    formatting (SQLite's) is the reference: every status, a client confirmation, a week across
    the change to winter time, a light and a dark colour, a name with quotes, time off and a
    busy time from an external calendar."""
    member.user.language = language
    member.user.save()
    light = ProfessionalFactory(practice=member.practice, color="#f0f0a0")
    professional.color = "#225588"
    professional.save()
    sunday = datetime(2026, 10, 25, 1, 30, tzinfo=MADRID)  # 03:00 CEST becomes 02:00 CET
    client = ClientFactory(practice=member.practice, full_name='Ana "la" López ✓')
    for i, status in enumerate(AppointmentStatus.values * 2):
        AppointmentFactory(
            professional=(professional, light)[i % 2],
            service=service,
            client=client,
            start=sunday + timedelta(hours=i // 2, minutes=30 * (i % 2)),
            status=status,
            client_confirmed_at=NOW if i % 3 == 0 else None,
        )
    TimeOffFactory(
        practice=member.practice,
        professional=professional,
        start=sunday - timedelta(days=2),
        end=sunday - timedelta(days=2, hours=-2),
        all_day=False,
    )
    calendar = ExternalCalendar.objects.create(
        practice=member.practice, professional=light, name="P", url="https://x.test/"
    )
    ExternalBusy.objects.create(
        calendar=calendar,
        professional=light,
        start=sunday - timedelta(days=1),
        end=sunday - timedelta(days=1, hours=-1),
    )
    week = {"start": "2026-10-19T00:00:00", "end": "2026-10-26T00:00:00", "cancelled": "on"}

    built = member_client.get(FEED, week)
    monkeypatch.setattr(staff_views, "appointment_events_json", lambda *a, **k: None)
    reference = member_client.get(FEED, week)

    assert built.status_code == reference.status_code == 200
    assert built["Content-Type"] == reference["Content-Type"]
    events = reference.json()
    assert len(events) == 2 * len(AppointmentStatus.values) + 2
    assert any(e["start"].startswith("2026-10-25T02:") for e in events)  # the repeated hour
    colours = {e["textColor"] for e in events if "status" in e.get("extendedProps", {})}
    assert colours == {"#000000", "#ffffff"}
    assert built.json() == events


@pytest.mark.postgres
def test_the_feed_reads_no_query_of_the_professionals_colours(member_client, professional, service):
    """The text colour of each professional's colour is kept by the process and learnt from the
    appointments' own rows: no query reads the professionals' colours before them."""
    AppointmentFactory(professional=professional, service=service, start=TUESDAY_TEN)
    member_client.get(FEED, WEEK)  # the colour is learnt here, or was by an earlier test

    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(FEED, WEEK)

    assert response.status_code == 200
    assert [q["sql"] for q in queries if 'FROM "practices_professional"' in q["sql"]] == []


@pytest.mark.postgres
def test_a_colour_changed_between_two_feeds_gets_its_own_text_colour(
    member_client, professional, service
):
    AppointmentFactory(professional=professional, service=service, start=TUESDAY_TEN)
    colours = {}
    # Each colour is new to the process the first time (the test's own shades), then known.
    for shade in ("#0b1c2d", "#f4e3d2", "#0b1c2d"):
        professional.color = shade
        professional.save()
        (event,) = member_client.get(FEED, WEEK).json()
        colours[shade] = (event["backgroundColor"], event["textColor"])

    assert colours == {"#0b1c2d": ("#0b1c2d", "#ffffff"), "#f4e3d2": ("#f4e3d2", "#000000")}


@pytest.mark.postgres
def test_past_the_colour_limit_the_feed_starts_again_and_stays_right(
    member_client, professional, service, monkeypatch
):
    """The colour map goes to the database with every feed query, so it is bounded: past the
    limit it is emptied and the feed learns its colours again."""
    from citas.booking import agenda_json

    monkeypatch.setattr(agenda_json, "COLOR_CACHE_LIMIT", 2)
    AppointmentFactory(professional=professional, service=service, start=TUESDAY_TEN)
    for shade, text in (("#101010", "#ffffff"), ("#fafafa", "#000000"), ("#202020", "#ffffff")):
        professional.color = shade
        professional.save()
        (event,) = member_client.get(FEED, WEEK).json()
        assert (event["backgroundColor"], event["textColor"]) == (shade, text)
        assert len(agenda_json._color_fragments) <= 2


# The feed's cache (citas.booking.agenda_cache): a week asked for again is not built again, and
# nothing the agenda shows can change without the next read showing it. Each request and each
# change runs its on-commit callbacks (as outside a test's transaction): the cache entry is
# written on commit, and the changes outside booking transactions bump the schedule version
# after theirs.


@pytest.fixture
def feed(member_client, django_capture_on_commit_callbacks):
    """The feed's events as a staff member's browser gets them, on-commit callbacks run."""

    def read(params=WEEK):
        with django_capture_on_commit_callbacks(execute=True):
            response = member_client.get(FEED, params)
        assert response.status_code == 200
        return response.json()

    return read


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a change and then its on-commit callbacks, as its commit would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def _appointment_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "booking_appointment"' in q["sql"]]


def test_a_week_asked_for_again_is_not_built_again(feed, booked):
    first = feed()
    with CaptureQueriesContext(connection) as queries:
        second = feed()

    assert second == first
    assert [event["title"] for event in first] == ["10:00 Ana López"]
    assert _appointment_queries(queries) == []


def test_another_week_other_professionals_or_the_cancelled_switch_are_built_apart(
    feed, booked, professional, service
):
    cancelled = AppointmentFactory(
        professional=professional,
        service=service,
        start=TUESDAY_TEN + timedelta(hours=2),
        status=AppointmentStatus.CANCELLED,
    )
    other = ProfessionalFactory(practice=professional.practice)
    feed()

    with_cancelled = feed({**WEEK, "cancelled": "1"})
    only_other = feed({**WEEK, "professional": [other.pk]})
    next_week = feed({"start": "2026-12-07T00:00:00", "end": "2026-12-14T00:00:00"})

    assert [e["id"] for e in with_cancelled] == [booked.pk, cancelled.pk]
    assert only_other == []
    assert next_week == []


def _change_rename_in_the_staff_form(member_client, booked):
    response = member_client.post(
        reverse("booking_staff:client_edit", args=[booked.client.pk]),
        {"full_name": "Ana María López", "email": booked.client.email, "phone": "", "notes": ""},
    )
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("booking_staff:client_detail", args=[booked.client.pk])


def _change_merge(member_client, booked):
    other = ClientFactory(practice=booked.practice, full_name="Ana María López")
    services.client_merge(practice=booked.practice, keep=other, merge=booked.client, by=None)


def _change_rename_professional(member_client, booked):
    booked.professional.display_name = "Luis Gil Ruiz"
    booked.professional.color = "#000000"
    booked.professional.save()


def _change_rename_service(member_client, booked):
    service_update(
        service=booked.service,
        name="Fisioterapia deportiva",
        description="",
        duration_minutes=booked.service.duration_minutes,
        buffer_before_minutes=0,
        buffer_after_minutes=0,
        price=booked.service.price,
        color="#000000",
        professionals=[booked.professional],
    )


def _change_cancel(member_client, booked):
    services.appointment_cancel(appointment=booked, by=None, by_client=True)


def _change_move(member_client, booked):
    services.appointment_reschedule(
        appointment=booked,
        start=TUESDAY_TEN + timedelta(hours=1),
        professional=booked.professional,
        by=None,
        by_client=False,
    )


def _change_client_confirms(member_client, booked):
    appointment_client_confirm(appointment=booked)


def _change_block(member_client, booked):
    client_block(client=booked.client, by=None, now=NOW)


def _change_erase(member_client, booked):
    client_anonymise(client=booked.client, now=NOW)


def _change_book_another(member_client, booked):
    client = ClientFactory(practice=booked.practice, full_name="Pere Soler")
    services.appointment_book(
        practice=booked.practice,
        professional=booked.professional,
        service=booked.service,
        client=client,
        start=TUESDAY_TEN + timedelta(hours=2),
        by=None,
        by_client=False,
    )


def _change_time_off(member_client, booked):
    time_off_create(
        practice=booked.practice,
        professional=booked.professional,
        start=TUESDAY_TEN + timedelta(hours=2),
        end=TUESDAY_TEN + timedelta(hours=3),
        all_day=False,
        reason="otro",
        note="Médico",
    )


def _change_share_titles(member_client, booked):
    calendar = ExternalCalendar.objects.create(
        practice=booked.practice, professional=booked.professional, name="P", url="https://x.test/"
    )
    ExternalBusy.objects.create(
        calendar=calendar,
        professional=booked.professional,
        start=TUESDAY_TEN + timedelta(hours=2),
        end=TUESDAY_TEN + timedelta(hours=3),
        title="Dentista",
    )
    return calendar


def _titles_and_looks(events):
    return [
        (
            e["title"],
            e["backgroundColor"],
            e.get("extendedProps", {}).get("professional"),
            e.get("extendedProps", {}).get("service"),
            e.get("extendedProps", {}).get("status"),
            e["start"],
        )
        for e in events
    ]


@pytest.mark.parametrize(
    "change",
    [
        _change_rename_in_the_staff_form,
        _change_merge,
        _change_rename_professional,
        _change_rename_service,
        _change_cancel,
        _change_move,
        _change_client_confirms,
        _change_block,
        _change_erase,
        _change_book_another,
        _change_time_off,
    ],
)
def test_whatever_changes_an_event_shows_on_the_next_read(
    feed, committed, member_client, booked, change
):
    before = _titles_and_looks(feed())

    committed(lambda: change(member_client, Appointment.objects.get(pk=booked.pk)))

    after = _titles_and_looks(feed())
    assert after != before
    fresh = _titles_and_looks(_uncached(member_client))
    assert after == fresh


def test_sharing_an_external_calendars_titles_shows_on_the_next_read(
    feed, committed, member_client, booked
):
    calendar = committed(lambda: _change_share_titles(member_client, booked))
    assert [e["title"] for e in feed()][-1] == "Ocupado"

    committed(lambda: external_calendar_update(calendar=calendar, name="P", share_titles=True))

    assert [e["title"] for e in feed()][-1] == "Dentista"


def _uncached(member_client):
    """The feed built without the cache (nothing committed, so nothing read from it)."""
    from django.core.cache import caches

    caches["agenda"].clear()
    return member_client.get(FEED, WEEK).json()


def test_a_reading_that_raced_a_change_is_not_served_after_it(
    feed, committed, member_client, booked, monkeypatch
):
    """The version is read before the rows: a rename committed while the feed was being built
    leaves that feed under the old version, and the next read builds it again."""
    real = staff_views.appointment_events_json

    def rows_read_then_a_rename(rows, **kwargs):
        text = real(rows, **kwargs)  # PostgreSQL: the rows are read here
        list(rows)  # SQLite: read here (the queryset keeps them for the view)
        client = booked.client
        client.full_name = "Ana María López"
        committed(client.save)
        return text

    monkeypatch.setattr(staff_views, "appointment_events_json", rows_read_then_a_rename)
    raced = feed()
    monkeypatch.setattr(staff_views, "appointment_events_json", real)

    assert [e["title"] for e in raced] == ["10:00 Ana López"]
    assert [e["title"] for e in feed()] == ["10:00 Ana María López"]


def test_a_save_that_changes_nothing_shown_keeps_the_entry(feed, committed, booked):
    feed()
    client = booked.client
    client.no_shows_reset_at = NOW
    committed(lambda: client.save(update_fields=["no_shows_reset_at", "updated_at"]))

    with CaptureQueriesContext(connection) as queries:
        feed()

    assert _appointment_queries(queries) == []


def test_two_practices_asking_for_the_same_week_get_their_own(
    feed, booked, client, django_capture_on_commit_callbacks
):
    feed()
    stranger = MembershipFactory(role=Role.OWNER)
    theirs = ProfessionalFactory(practice=stranger.practice)
    AppointmentFactory(
        professional=theirs,
        service=ServiceFactory(practice=stranger.practice, professionals=[theirs]),
        client=ClientFactory(practice=stranger.practice, full_name="Marta Vidal"),
        start=TUESDAY_TEN,
    )
    client.force_login(stranger.user)

    with django_capture_on_commit_callbacks(execute=True):
        events = client.get(FEED, WEEK).json()

    assert [e["title"] for e in events] == ["10:00 Marta Vidal"]


def test_each_language_gets_its_own_labels(feed, member_client, booked):
    spanish = feed()
    member_client.cookies["django_language"] = "en"
    english = feed()

    assert spanish[0]["extendedProps"]["statusLabel"] == "Confirmada"
    assert english[0]["extendedProps"]["statusLabel"] == "Confirmed"
