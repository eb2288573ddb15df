import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from citas.calendars.models import ExternalBusy, ExternalCalendar, SyncProblem
from citas.core.factories import MembershipFactory, ProfessionalFactory
from citas.practices.models import Role

from .conftest import direct_calendar
from .ics_samples import GOOGLE, as_bytes

LIST = reverse("calendars:list")


def calendar_of(professional, **fields):
    return ExternalCalendar.objects.create(
        practice=professional.practice,
        professional=professional,
        **{"name": "Personal", "url": "https://calendar.example.com/secret-abc.ics", **fields},
    )


def busy(calendar, start, end, title="Cole"):
    return ExternalBusy.objects.create(
        calendar=calendar, professional=calendar.professional, start=start, end=end, title=title
    )


@pytest.fixture
def professional_member(s):
    member = MembershipFactory(practice=s.practice, role=Role.PROFESSIONAL)
    s.professional.membership = member
    s.professional.save()
    return member


def test_a_professional_connects_a_calendar_and_sees_it_read(
    client, s, professional_member, server, frozen
):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    client.force_login(professional_member.user)

    response = client.post(
        LIST,
        {"name": "Mi Google", "url": f"{server.base}/cal.ics", "professional": s.professional.pk},
        follow=True,
    )

    assert response.status_code == 200
    calendar = ExternalCalendar.objects.get()
    assert (calendar.professional, calendar.busy_count) == (s.professional, 5)
    page = response.content.decode()
    assert "Mi Google" in page and "127.0.0.1/…" in page
    assert "/cal.ics" not in page  # the secret part of the address is never shown again


def test_webcal_addresses_are_accepted_and_bad_ones_explained(client, s, professional_member):
    client.force_login(professional_member.user)
    response = client.post(
        LIST, {"name": "X", "url": "ftp://nope", "professional": s.professional.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not ExternalCalendar.objects.exists()


def test_a_local_address_is_refused_in_production(client, s, professional_member, settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    client.force_login(professional_member.user)
    for url in ("webcal://localhost/cal.ics", "https://10.1.2.3/cal.ics", "http://example.com/a"):
        response = client.post(LIST, {"name": "X", "url": url, "professional": s.professional.pk})
        assert response.context["form"].errors["url"], url
    assert not ExternalCalendar.objects.exists()


def test_a_professional_cannot_connect_a_calendar_for_a_colleague(client, s, professional_member):
    colleague = ProfessionalFactory(practice=s.practice)
    client.force_login(professional_member.user)
    response = client.post(
        LIST,
        {"name": "X", "url": "https://calendar.example.com/a.ics", "professional": colleague.pk},
    )
    assert response.context["form"].errors["professional"]
    assert not ExternalCalendar.objects.exists()


@pytest.mark.parametrize("route", ["calendars:edit", "calendars:sync", "calendars:remove"])
def test_another_practice_gets_404_and_nothing_changes(client, s, route):
    calendar = calendar_of(s.professional)
    stranger = MembershipFactory(role=Role.OWNER)
    ProfessionalFactory(practice=stranger.practice, membership=stranger)
    client.force_login(stranger.user)

    assert client.get(reverse(route, args=[calendar.pk])).status_code in (404, 405)
    assert client.post(reverse(route, args=[calendar.pk]), {"name": "Hacked"}).status_code == 404
    calendar.refresh_from_db()
    assert calendar.name == "Personal"
    assert len(client.get(LIST).context["calendars"]) == 0


def test_a_colleague_professional_gets_404_but_a_manager_may_manage(client, s):
    calendar = calendar_of(s.professional)
    colleague = MembershipFactory(practice=s.practice, role=Role.PROFESSIONAL)
    ProfessionalFactory(practice=s.practice, membership=colleague)
    client.force_login(colleague.user)
    assert client.post(reverse("calendars:remove", args=[calendar.pk])).status_code == 404

    owner = MembershipFactory(practice=s.practice, role=Role.OWNER)
    client.force_login(owner.user)
    assert client.post(reverse("calendars:remove", args=[calendar.pk])).status_code == 302
    assert not ExternalCalendar.objects.exists()


def test_reception_without_a_professional_record_has_no_calendars_page(client, s):
    reception = MembershipFactory(practice=s.practice, role=Role.RECEPTION)
    client.force_login(reception.user)
    assert client.get(LIST).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, s):
    calendar = calendar_of(s.professional)
    for url in (LIST, reverse("calendars:edit", args=[calendar.pk])):
        assert client.get(url).status_code == 302


def test_the_agenda_shows_busy_without_titles_unless_shared(client, s, frozen):
    hidden = calendar_of(s.professional)
    busy(hidden, datetime(2027, 3, 22, 9, tzinfo=UTC), datetime(2027, 3, 22, 10, tzinfo=UTC))
    shared = calendar_of(s.professional, share_titles=True)
    shared.url += "?2"
    shared.save()
    busy(shared, datetime(2027, 3, 23, 9, tzinfo=UTC), datetime(2027, 3, 23, 10, tzinfo=UTC))
    other = ProfessionalFactory()  # another practice's calendar never shows
    busy(
        calendar_of(other),
        datetime(2027, 3, 22, 11, tzinfo=UTC),
        datetime(2027, 3, 22, 12, tzinfo=UTC),
    )
    reception = MembershipFactory(practice=s.practice, role=Role.RECEPTION)
    client.force_login(reception.user)

    events = client.get(
        reverse("booking_staff:agenda_feed"),
        {"start": "2027-03-22T00:00:00", "end": "2027-03-29T00:00:00"},
    ).json()

    external = [e for e in events if e.get("extendedProps", {}).get("externalBusy")]
    assert [(e["start"], e["title"]) for e in external] == [
        ("2027-03-22T10:00:00", "Ocupado"),
        ("2027-03-23T10:00:00", "Cole"),
    ]


def test_the_public_page_refreshes_a_stale_calendar_before_showing_times(client, s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    ExternalCalendar.objects.create(
        practice=s.practice, professional=s.professional, name="P", url=f"{server.base}/cal.ics"
    )
    page = reverse("public_booking:page", args=[s.practice.slug])
    params = {"service": s.service.pk, "professional": s.professional.pk, "day": "2027-03-22"}
    HUEY.immediate = True  # the worker's part runs in this process
    try:
        response = client.get(page, params)
    finally:
        HUEY.immediate = False

    assert response.status_code == 200
    times = [
        slot.start.astimezone(frozen.tzinfo).strftime("%H:%M") for slot in response.context["slots"]
    ]
    assert "09:30" in times and "10:00" not in times
    assert ExternalCalendar.objects.get().busy_count == 5
    assert "Llevar" not in response.content.decode()  # titles never reach clients


@pytest.mark.parametrize("route", ["public_scheduling:availability", "api:availability"])
def test_the_json_and_api_availability_refresh_a_stale_calendar_first(
    client, s, server, frozen, route
):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    ExternalCalendar.objects.create(
        practice=s.practice, professional=s.professional, name="P", url=f"{server.base}/cal.ics"
    )
    params = {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "from": "2027-03-22",
        "to": "2027-03-22",
    }
    HUEY.immediate = True  # the worker's part runs in this process
    try:
        response = client.get(reverse(route, args=[s.practice.slug]), params)
    finally:
        HUEY.immediate = False

    assert response.status_code == 200
    times = [slot["start"][11:16] for slot in response.json()["days"]["2027-03-22"]]
    assert "09:30" in times and "10:00" not in times
    assert ExternalCalendar.objects.get().busy_count == 5
    assert "Llevar" not in response.content.decode()  # titles never reach clients


def test_read_now_while_the_worker_reads_it_says_so_and_fetches_nothing(
    client, s, professional_member, server, frozen
):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    calendar = calendar_of(
        s.professional,
        url=f"{server.base}/cal.ics",
        sync_lease_id=uuid.uuid4(),
        sync_lease_until=frozen + timedelta(seconds=30),
    )
    client.force_login(professional_member.user)

    response = client.post(reverse("calendars:sync", args=[calendar.pk]), follow=True)

    page = response.content.decode()
    assert "Ahora mismo se está leyendo el calendario «Personal»" in page
    assert "Leyendo ahora…" in page
    assert server.requests == []


def test_the_page_shows_when_each_calendar_was_read_and_why_one_failed(
    client, s, professional_member, frozen, django_assert_max_num_queries
):
    read_at = frozen - timedelta(minutes=3)
    calendar_of(s.professional, synced_at=read_at, checked_at=read_at, busy_count=5)
    calendar_of(
        s.professional,
        name="Colegio",
        url="https://outlook.example.com/colegio.ics",
        checked_at=frozen - timedelta(minutes=1),
        problem=SyncProblem.TIMEOUT,
        sync_lease_until=frozen + timedelta(minutes=9),  # waiting in the queue, not being read
    )
    calendar_of(
        s.professional,
        name="Juzgado",
        url="https://calendar.example.com/juzgado.ics",
        synced_at=frozen - timedelta(hours=2),
        checked_at=frozen - timedelta(minutes=2),
        busy_count=1,
        problem=SyncProblem.HTTP,
    )
    direct_calendar(  # a CalDAV account's calendar that blocks time
        s,
        "https://caldav.example.com/dav/luis/personal/",
        synced_at=frozen - timedelta(minutes=5),
        checked_at=frozen - timedelta(minutes=5),
        busy_count=2,
    )
    client.force_login(professional_member.user)
    client.get(LIST)  # the session's first request records it

    with django_assert_max_num_queries(14):  # whatever the number of calendars
        page = " ".join(client.get(LIST).content.decode().split())

    # Madrid time; now is 22 March 2027 at 07:00.
    assert "Última lectura: 22/03/2027 06:57 (hace 3 minutos) · 5 periodos ocupados." in page
    assert "El servidor del calendario ha tardado demasiado en responder." in page
    assert "Último intento: 22/03/2027 06:59 (hace un minuto)." in page
    assert "Mientras no se lea, no bloquea ninguna hora." in page
    assert "Siguen valiendo los periodos ocupados de la última lectura." in page
    assert "Se vuelve a intentar cada 10 minutos." in page
    assert "Leyendo ahora" not in page
    assert "Última lectura: 22/03/2027 06:55 (hace 5 minutos) · 2 periodos ocupados." in page
