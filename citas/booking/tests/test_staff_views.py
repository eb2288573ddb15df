from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from citas.booking import services
from citas.booking.models import (
    Appointment,
    AppointmentEvent,
    AppointmentEventKind,
    AppointmentStatus,
    Client,
)
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)
from citas.practices.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 1, 9, tzinfo=MADRID)  # Tuesday
TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.PROFESSIONAL)


@pytest.fixture
def appointment(professional, service):
    return AppointmentFactory(professional=professional, service=service, start=TEN)


def _book(professional, service, start, **kwargs):
    client = kwargs.pop("client", None) or ClientFactory(practice=professional.practice)
    return AppointmentFactory(
        professional=professional, service=service, client=client, start=start, **kwargs
    )


# The appointment list ---------------------------------------------------------------------------


def test_the_list_tabs_split_today_upcoming_and_past(member_client, professional, service):
    yesterday = _book(professional, service, TEN - timedelta(days=1))
    today = _book(professional, service, TEN)
    next_week = _book(professional, service, TEN + timedelta(days=7))
    url = reverse("booking_staff:appointment_list")

    def shown(tab):
        return list(member_client.get(url, {"tab": tab}).context["page"])

    assert shown("today") == [today]
    assert shown("upcoming") == [today, next_week]
    assert shown("past") == [yesterday]


def test_the_list_filters_and_searches_by_client(member_client, member, professional, service):
    ana = ClientFactory(practice=member.practice, full_name="Ana Zubizarreta", phone="699 12 34 56")
    match = _book(professional, service, TEN + timedelta(days=1), client=ana, status="pending")
    _book(professional, service, TEN + timedelta(days=2))
    url = reverse("booking_staff:appointment_list")
    base = {"tab": "upcoming"}

    for params in [
        {"q": "zubizarreta"},
        {"q": "12 34"},
        {"status": "pending"},
        {"date_from": "2026-12-02", "date_to": "2026-12-02"},
    ]:
        assert list(member_client.get(url, base | params).context["page"]) == [match], params
    assert (
        len(member_client.get(url, base | {"professional": professional.pk}).context["page"]) == 2
    )


def test_the_list_filters_by_whether_the_client_confirmed(
    member_client, member, professional, service
):
    confirmed = _book(professional, service, TEN + timedelta(days=1), client_confirmed_at=NOW)
    waiting = _book(professional, service, TEN + timedelta(days=2), status="pending")
    _book(professional, service, TEN + timedelta(days=3), status="cancelled")
    other_practice = AppointmentFactory(start=TEN + timedelta(days=1), client_confirmed_at=NOW)
    url = reverse("booking_staff:appointment_list")

    def shown(attendance):
        response = member_client.get(url, {"tab": "upcoming", "attendance": attendance})
        return list(response.context["page"])

    assert shown("confirmed") == [confirmed]
    # Not yet: only appointments that still hold their time wait for an answer.
    assert shown("unconfirmed") == [waiting]
    unconfirmed_page = member_client.get(url, {"tab": "upcoming", "attendance": "unconfirmed"})
    assert unconfirmed_page.content.decode().count('data-attendance="unconfirmed"') == 1
    assert len(shown("")) == 3
    assert other_practice not in shown("confirmed")


def test_the_attendance_filter_is_labelled_in_spanish(member_client, appointment):
    with translation.override("es"):
        page = member_client.get(
            reverse("booking_staff:appointment_list"), HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()

    assert "Asistencia" in page
    assert "Confirmada por el cliente" in page
    assert "Sin confirmar" in page


def test_a_bad_filter_is_reported_and_ignored(member_client, appointment):
    response = member_client.get(
        reverse("booking_staff:appointment_list"),
        {"date_from": "31/31/2026", "status": "x", "attendance": "maybe"},
    )

    assert response.status_code == 200
    assert {"date_from", "status", "attendance"} <= set(response.context["form"].errors)
    assert list(response.context["page"]) == [appointment]


def test_the_list_shows_dates_in_spanish_in_the_practice_time_zone(member_client, appointment):
    with translation.override("es"):
        response = member_client.get(
            reverse("booking_staff:appointment_list"), HTTP_ACCEPT_LANGUAGE="es"
        )

    assert "martes, 1 de diciembre de 2026 · 10:00–10:30" in response.content.decode()


def test_the_list_shows_dates_in_english_to_an_english_reader(member_client, appointment):
    with translation.override("en"):
        response = member_client.get(
            reverse("booking_staff:appointment_list"), HTTP_ACCEPT_LANGUAGE="en"
        )

    assert "Tuesday, Dec. 1, 2026 · 10:00–10:30" in response.content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_runs_a_fixed_number_of_queries(
    member_client, professional, service, count, django_assert_max_num_queries
):
    for i in range(count):
        _book(professional, service, TEN + timedelta(days=i // 8, minutes=30 * (i % 8)))
    url = reverse("booking_staff:appointment_list")
    member_client.get(url, {"tab": "upcoming"})

    with django_assert_max_num_queries(14):  # 7 for session, user and usersessions
        response = member_client.get(url, {"tab": "upcoming"})

    assert len(response.context["page"]) == min(count, 25)


@pytest.mark.postgres
def test_the_list_reads_its_filter_choices_without_a_server_side_cursor(member_client, appointment):
    """Django reads a choice field's rows with QuerySet.iterator(), which on PostgreSQL is a
    server-side cursor: DECLARE, FETCH and CLOSE, three round trips for a dozen rows."""
    url = reverse("booking_staff:appointment_list")

    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url, {"tab": "upcoming"})

    assert response.status_code == 200
    assert appointment.professional.display_name in response.content.decode()
    assert appointment.service.name in response.content.decode()
    assert [q["sql"] for q in queries if q["sql"].startswith("DECLARE")] == []


def test_the_list_renders_as_many_templates_for_one_row_as_for_a_full_page(
    member_client, professional, service
):
    """Each row's badges and link are written in place: an included template per badge (and per
    filter option) was most of a page's rendering time."""
    url = reverse("booking_staff:appointment_list")
    _book(professional, service, TEN, client_confirmed_at=NOW)
    one_row = member_client.get(url, {"tab": "upcoming"})
    for i in range(1, 25):
        _book(professional, service, TEN + timedelta(days=i // 8, minutes=30 * (i % 8)))
    full_page = member_client.get(url, {"tab": "upcoming"})

    assert len(full_page.context["page"]) == 25
    assert len(full_page.templates) == len(one_row.templates)
    names = {template.name for template in full_page.templates}
    assert "django/forms/widgets/select_option.html" not in names
    html = full_page.content.decode()
    assert 'data-attendance="confirmed"' in html
    for appointment in full_page.context["page"]:
        detail = reverse("booking_staff:appointment_detail", args=[appointment.pk])
        assert f'href="{detail}"' in html


def test_the_list_loads_only_the_columns_it_shows(member_client, appointment):
    url = reverse("booking_staff:appointment_list")

    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url, {"tab": "upcoming"})

    assert appointment.client.full_name in response.content.decode()
    (listing,) = [q["sql"] for q in queries if 'FROM "booking_appointment"' in q["sql"]]
    for unshown in ('"booking_appointment"."token"', '"booking_client"."notes"', "created_at"):
        assert unshown not in listing


def test_the_list_is_paginated_by_twenty_five(member_client, professional, service):
    for i in range(30):
        _book(professional, service, TEN + timedelta(days=i // 8, minutes=30 * (i % 8)))

    response = member_client.get(
        reverse("booking_staff:appointment_list"), {"tab": "upcoming", "page": 2}
    )

    assert len(response.context["page"]) == 5


# The appointment detail and its actions -----------------------------------------------------------


def test_the_detail_shows_the_history_with_who_did_what(
    member, member_client, professional, service
):
    booked = services.appointment_book(
        practice=member.practice,
        professional=professional,
        service=service,
        client=ClientFactory(practice=member.practice),
        start=TEN + timedelta(hours=2),
        by=member.user,
        by_client=False,
    )
    services.appointment_cancel(
        appointment=booked, by=member.user, by_client=False, reason="Enfermo"
    )

    response = member_client.get(reverse("booking_staff:appointment_detail", args=[booked.pk]))

    kinds = [e.kind for e in response.context["events"]]
    assert kinds == ["created", "cancelled"]
    assert "Enfermo" in response.content.decode()
    assert response.context["is_active"] is False


@pytest.mark.parametrize("changes", [1, 12])
def test_the_detail_runs_a_fixed_number_of_queries_whatever_the_history(
    member_client, appointment, changes, django_assert_max_num_queries
):
    for _ in range(changes):
        AppointmentEvent.objects.create(
            appointment=appointment,
            kind=AppointmentEventKind.RESCHEDULED,
            actor=UserFactory(),
            data={"previous_start": TEN.isoformat()},
        )
    url = reverse("booking_staff:appointment_detail", args=[appointment.pk])
    member_client.get(url)

    with django_assert_max_num_queries(11):  # 7 for session, user and usersessions
        response = member_client.get(url)

    assert len(response.context["events"]) == changes


def _act(client, appointment, action, **data):
    return client.post(
        reverse("booking_staff:appointment_action", args=[appointment.pk, action]), data
    )


def test_a_pending_appointment_is_confirmed(member_client, appointment):
    appointment.status = AppointmentStatus.PENDING
    appointment.save()

    response = _act(member_client, appointment, "confirmar")

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_a_pending_appointment_is_rejected_with_a_reason(member_client, appointment):
    appointment.status = AppointmentStatus.PENDING
    appointment.save()

    _act(member_client, appointment, "rechazar", reason="Sin hueco")

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.events.get().data["reason"] == "Sin hueco"


def test_staff_cancel_an_appointment(member_client, appointment):
    _act(member_client, appointment, "cancelar", reason="Avisó por teléfono")

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_an_appointment_is_completed_or_a_no_show_once_it_started(
    member_client, professional, service
):
    earlier = _book(professional, service, NOW - timedelta(hours=2))
    before = _book(professional, service, NOW - timedelta(hours=1))

    _act(member_client, earlier, "completar")
    _act(member_client, before, "no-presentado")

    earlier.refresh_from_db()
    before.refresh_from_db()
    assert (earlier.status, before.status) == ("completed", "no_show")


def test_an_invalid_transition_shows_the_reason_and_changes_nothing(member_client, appointment):
    response = _act(member_client, appointment, "completar")  # it has not started yet

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    page = member_client.get(response.url)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]


def test_an_unknown_action_is_a_404(member_client, appointment):
    assert _act(member_client, appointment, "borrar").status_code == 404


def test_a_too_long_reason_is_refused(member_client, appointment):
    _act(member_client, appointment, "cancelar", reason="x" * 501)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_staff_reschedule_from_the_detail_page(member_client, appointment, professional):
    response = member_client.post(
        reverse("booking_staff:appointment_reschedule", args=[appointment.pk]),
        {"start": "2026-12-02T11:00", "professional": professional.pk},
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == datetime(2026, 12, 2, 11, tzinfo=MADRID)


@pytest.mark.parametrize("start", ["2026-12-02T20:00", "pasado mañana", ""])
def test_a_bad_reschedule_shows_a_field_error_and_changes_nothing(
    member_client, appointment, professional, start
):
    response = member_client.post(
        reverse("booking_staff:appointment_reschedule", args=[appointment.pk]),
        {"start": start, "professional": professional.pk},
    )

    assert response.status_code == 200
    assert "start" in response.context["reschedule_form"].errors
    appointment.refresh_from_db()
    assert appointment.start == TEN


# Clients ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 40])
def test_the_client_list_counts_no_shows_in_a_fixed_number_of_queries(
    member_client, professional, service, count, django_assert_max_num_queries
):
    regular = ClientFactory(practice=professional.practice, full_name="Aaron Abad")
    _book(professional, service, NOW - timedelta(days=1), client=regular, status="no_show")
    ClientFactory.create_batch(count, practice=professional.practice)
    url = reverse("booking_staff:client_list")
    member_client.get(url)

    with django_assert_max_num_queries(11):  # 7 for session, user and usersessions
        response = member_client.get(url)

    first = response.context["page"][0]
    assert (first, first.no_show_count, first.appointment_count) == (regular, 1, 1)
    assert len(response.context["page"]) == min(count + 1, 25)


def test_the_client_list_searches_and_answers_htmx_with_the_results_only(member_client, member):
    ClientFactory(practice=member.practice, full_name="Rocío Vidal")
    ClientFactory(practice=member.practice, full_name="Pablo Mora")

    response = member_client.get(
        reverse("booking_staff:client_list"), {"q": "rocío"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert "Rocío Vidal" in html
    assert "Pablo Mora" not in html
    assert "<nav" not in html


def test_staff_create_a_client(member_client, member):
    response = member_client.post(
        reverse("booking_staff:client_create"),
        {"full_name": "Inés Prado", "email": "ines@example.com", "phone": "", "notes": "Alergia"},
    )

    client = Client.objects.get()
    assert response.url == reverse("booking_staff:client_detail", args=[client.pk])
    assert (client.practice, client.notes) == (member.practice, "Alergia")


def test_an_email_is_unique_per_practice_whatever_its_case(member_client, member):
    ClientFactory(practice=member.practice, email="ines@example.com")
    ClientFactory(email="otra@example.com")  # another practice: no clash

    taken = member_client.post(
        reverse("booking_staff:client_create"),
        {"full_name": "Inés", "email": "INES@example.com", "phone": "", "notes": ""},
    )
    free = member_client.post(
        reverse("booking_staff:client_create"),
        {"full_name": "Otra", "email": "otra@example.com", "phone": "", "notes": ""},
    )

    assert "email" in taken.context["form"].errors
    assert free.status_code == 302
    assert Client.objects.filter(practice=member.practice).count() == 2


def test_staff_edit_a_client(member_client, member):
    client = ClientFactory(practice=member.practice, email="ines@example.com")

    member_client.post(
        reverse("booking_staff:client_edit", args=[client.pk]),
        {"full_name": "Inés Prado", "email": "INES@example.com", "phone": "611", "notes": ""},
    )

    client.refresh_from_db()
    assert (client.full_name, client.phone) == ("Inés Prado", "611")


def test_the_client_page_shows_the_history_and_no_shows(
    member_client, professional, service, django_assert_max_num_queries
):
    client = ClientFactory(practice=professional.practice)
    for days in (1, 2, 3):
        _book(professional, service, NOW - timedelta(days=days), client=client, status="no_show")
    _book(professional, service, TEN, client=client)
    url = reverse("booking_staff:client_detail", args=[client.pk])
    member_client.get(url)

    # 10 for the page; 4 for data protection: the audit line, consents, SMS consent, erasure.
    with django_assert_max_num_queries(14):
        response = member_client.get(url)

    assert response.context["no_show_count"] == 3
    assert len(response.context["history"]) == 4


def test_merging_asks_for_confirmation_first(member_client, member, appointment):
    keep = ClientFactory(practice=member.practice)
    url = reverse("booking_staff:client_merge", args=[keep.pk])

    review = member_client.get(url, {"merge": appointment.client_id})
    unconfirmed = member_client.post(url, {"merge": appointment.client_id})

    assert review.context["duplicate"] == appointment.client
    assert "confirm" in unconfirmed.context["form"].errors
    assert Client.objects.count() == 2


def test_merging_moves_the_appointments_and_deletes_the_duplicate(
    member_client, member, appointment
):
    keep = ClientFactory(practice=member.practice, phone="")
    duplicate = appointment.client

    response = member_client.post(
        reverse("booking_staff:client_merge", args=[keep.pk]),
        {"merge": duplicate.pk, "confirm": "on"},
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.client == keep
    assert not Client.objects.filter(pk=duplicate.pk).exists()


def test_a_client_of_another_practice_cannot_be_merged(member_client, member):
    keep = ClientFactory(practice=member.practice)
    outsider = ClientFactory()

    response = member_client.post(
        reverse("booking_staff:client_merge", args=[keep.pk]),
        {"merge": outsider.pk, "confirm": "on"},
    )

    assert "merge" in response.context["form"].errors
    assert Client.objects.filter(pk=outsider.pk).exists()


def test_the_merge_search_leaves_out_the_record_being_kept(member_client, member):
    keep = ClientFactory(practice=member.practice, full_name="Marta Gil")
    twin = ClientFactory(practice=member.practice, full_name="Marta Gil")

    response = member_client.get(
        reverse("booking_staff:client_picker"), {"q": "marta", "keep": keep.pk}
    )

    assert response.context["clients"] == [twin]


# Tenancy and access -----------------------------------------------------------------------------

OBJECT_ROUTES = [
    ("get", "appointment_detail", "appointment", {}),
    ("post", "appointment_move", "appointment", {}),
    ("post", "appointment_reschedule", "appointment", {"start": "2026-12-02T11:00"}),
    ("post", "appointment_action:cancelar", "appointment", {}),
    ("post", "appointment_action:confirmar", "appointment", {}),
    ("get", "client_detail", "client", {}),
    ("get", "client_edit", "client", {}),
    ("post", "client_edit", "client", {"full_name": "X", "email": "x@example.com"}),
    ("get", "client_merge", "client", {}),
    ("post", "client_merge", "client", {"merge": 0, "confirm": "on"}),
]


def _url(name, obj):
    name, _, action = name.partition(":")
    args = [obj.pk, action] if action else [obj.pk]
    return reverse(f"booking_staff:{name}", args=args)


@pytest.mark.parametrize(("method", "name", "kind", "data"), OBJECT_ROUTES)
def test_another_practice_gets_404_and_nothing_changes(
    client, appointment, method, name, kind, data
):
    client.force_login(MembershipFactory(role=Role.OWNER).user)
    obj = appointment if kind == "appointment" else appointment.client
    before = (Appointment.objects.values().get(), Client.objects.values().get())

    response = getattr(client, method)(_url(name, obj), data)

    assert response.status_code == 404
    assert (Appointment.objects.values().get(), Client.objects.values().get()) == before


def test_the_merge_search_of_another_practice_is_a_404(client, appointment):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    response = client.get(
        reverse("booking_staff:client_picker"), {"q": "ab", "keep": appointment.client_id}
    )

    assert response.status_code == 404


PAGE_ROUTES = [
    "agenda",
    "agenda_feed",
    "agenda_book",
    "client_picker",
    "appointment_list",
    "client_list",
    "client_create",
]


@pytest.mark.parametrize("name", PAGE_ROUTES)
def test_someone_without_a_practice_gets_404(client, name):
    client.force_login(UserFactory())

    assert client.get(reverse(f"booking_staff:{name}")).status_code == 404


@pytest.mark.parametrize(("method", "name", "kind", "data"), OBJECT_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, appointment, method, name, kind, data):
    obj = appointment if kind == "appointment" else appointment.client

    response = getattr(client, method)(_url(name, obj), data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PAGE_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in_from_every_page(client, name):
    response = client.get(reverse(f"booking_staff:{name}"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.PROFESSIONAL, Role.ADMIN])
def test_every_role_can_use_the_staff_pages(client, appointment, role):
    membership = MembershipFactory(practice=appointment.practice, role=role)
    client.force_login(membership.user)

    for name in ["agenda", "appointment_list", "client_list", "client_create"]:
        assert client.get(reverse(f"booking_staff:{name}")).status_code == 200
    assert client.get(_url("appointment_detail", appointment)).status_code == 200
    assert client.get(_url("client_detail", appointment.client)).status_code == 200
