from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from citas.core.factories import (
    AppointmentFactory,
    MembershipFactory,
)
from citas.notifications.models import (
    CalendarFeed,
    ClientContactPreference,
    Notification,
    NotificationSettings,
)
from citas.notifications.services import on_appointment_event
from citas.practices.models import Role

from .conftest import MADRID, NOW

pytestmark = pytest.mark.django_db
LOG = reverse("notifications:log")


@pytest.fixture
def logged(make_appointment):
    with time_machine.travel(NOW, tick=False):
        for day in range(3):
            appointment = make_appointment(start=datetime(2026, 11, 30 - day, 10, tzinfo=MADRID))
            on_appointment_event(appointment=appointment, kind="created", by_client=True)
    return Notification.objects.filter(practice=appointment.practice)


def test_the_log_lists_the_practice_messages_in_a_fixed_number_of_queries(
    owner_client, logged, django_assert_max_num_queries
):
    # + 1 two-step check.
    with django_assert_max_num_queries(13):
        response = owner_client.get(LOG)

    assert response.status_code == 200
    assert "marta@example.com" in response.content.decode()
    assert len(response.context["page"].object_list) == logged.count()


def test_the_log_filters_by_status_and_kind(owner_client, logged):
    logged.filter(kind="confirmed").update(status="failed", last_error="mailbox full")

    response = owner_client.get(LOG, {"status": "failed", "kind": "confirmed"})

    rows = response.context["page"].object_list
    assert {(n.status, n.kind) for n in rows} == {("failed", "confirmed")}
    assert "mailbox full" in response.content.decode()


def test_an_htmx_filter_returns_only_the_results_fragment(owner_client, logged):
    response = owner_client.get(LOG, {"status": "pending"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "<table" in body
    assert '<nav class="navbar' not in body


def test_a_bad_filter_value_shows_everything_instead_of_failing(owner_client, logged):
    response = owner_client.get(LOG, {"status": "nonsense", "page": "x"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == logged.count()


def test_staff_who_do_not_manage_cannot_see_the_log(client, practice, logged):
    reception = MembershipFactory(practice=practice, role=Role.RECEPTION)
    client.force_login(reception.user)

    assert client.get(LOG).status_code == 404


def test_the_log_never_shows_another_practice(stranger_client, logged):
    response = stranger_client.get(LOG)

    assert list(response.context["page"].object_list) == []


def test_resend_creates_a_new_pending_row(owner_client, logged):
    original = logged.filter(kind="confirmed").first()
    Notification.objects.filter(pk=original.pk).update(status="failed")

    response = owner_client.post(reverse("notifications:resend", args=[original.pk]))

    assert response.status_code == 302
    copies = Notification.objects.filter(appointment=original.appointment, kind="confirmed")
    assert sorted(copies.values_list("status", flat=True)) == ["failed", "pending"]


def test_resend_of_another_practice_row_is_404(stranger_client, logged):
    row = logged.first()

    response = stranger_client.post(reverse("notifications:resend", args=[row.pk]))

    assert response.status_code == 404
    assert Notification.objects.count() == logged.count()


def test_resend_needs_post(owner_client, logged):
    assert (
        owner_client.get(reverse("notifications:resend", args=[logged.first().pk])).status_code
        == 405
    )


def test_a_manager_sets_the_reminder_offsets(owner_client, practice):
    url = reverse("notifications:preferences")

    response = owner_client.post(
        url, {"reminder_offsets": "48, 3", "daily_agenda_hour": "7", "sms_enabled": "on"}
    )

    assert response.status_code == 302
    options = NotificationSettings.objects.get(practice=practice)
    assert options.reminder_hours == [48, 3]
    assert (options.daily_agenda_hour, options.sms_enabled) == (7, True)


def test_bad_reminder_offsets_are_a_field_error_and_nothing_is_saved(owner_client, practice):
    response = owner_client.post(
        reverse("notifications:preferences"), {"reminder_offsets": "24, mañana"}
    )

    assert response.status_code == 200
    assert "reminder_offsets" in response.context["form"].errors
    assert not NotificationSettings.objects.filter(reminder_offsets__contains="mañana").exists()


# --- calendar feed -----------------------------------------------------------------------


@pytest.fixture
def professional_client(client, professional):
    client.force_login(professional.membership.user)
    return client


def feed_events(response):
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_a_professional_sees_a_webcal_address_that_serves_their_appointments(
    professional_client, professional, make_appointment
):
    mine = make_appointment(start=datetime(2026, 12, 3, 10, tzinfo=MADRID))
    AppointmentFactory(practice=professional.practice)  # a colleague's appointment

    page = professional_client.get(reverse("notifications:calendar_feed"))
    token = CalendarFeed.objects.get(professional=professional).token
    response = professional_client.get(reverse("notifications:feed", args=[token]))

    assert f"webcal://testserver/feed/{token}.ics" in page.content.decode()
    assert response.status_code == 200
    assert [str(e["UID"]) for e in feed_events(response)] == [f"appointment-{mine.pk}@testserver"]
    # Initials by default: the full name only when the practice chooses it (citas.privacy).
    assert str(feed_events(response)[0]["SUMMARY"]) == "M. R. · Fisioterapia"


def test_the_feed_hides_client_names_when_the_practice_says_so(
    client, professional, practice, make_appointment
):
    make_appointment(start=datetime(2026, 12, 3, 10, tzinfo=MADRID))
    NotificationSettings.objects.create(practice=practice, hide_client_names_in_feed=True)
    feed = CalendarFeed.objects.create(professional=professional)

    response = client.get(reverse("notifications:feed", args=[feed.token]))

    assert "Marta" not in response.content.decode()
    assert str(feed_events(response)[0]["SUMMARY"]) == "Fisioterapia"


def test_the_feed_leaves_out_cancelled_and_old_appointments(client, professional, make_appointment):
    make_appointment(start=datetime(2026, 12, 3, 10, tzinfo=MADRID), status="cancelled")
    make_appointment(start=datetime(2020, 1, 3, 10, tzinfo=MADRID), status="completed")
    feed = CalendarFeed.objects.create(professional=professional)

    response = client.get(reverse("notifications:feed", args=[feed.token]))

    assert feed_events(response) == []


def test_the_feed_needs_its_token(client, professional):
    CalendarFeed.objects.create(professional=professional)

    assert client.get("/feed/wrong-token.ics").status_code == 404


def test_regenerating_kills_the_old_address(professional_client, professional):
    old = CalendarFeed.objects.create(professional=professional).token

    response = professional_client.post(reverse("notifications:calendar_feed_regenerate"))

    new = CalendarFeed.objects.get(professional=professional).token
    assert response.status_code == 302
    assert new != old and len(new) == 43
    assert professional_client.get(f"/feed/{old}.ics").status_code == 404
    assert professional_client.get(f"/feed/{new}.ics").status_code == 200


def test_a_member_who_is_not_bookable_has_no_feed_page(owner_client):
    assert owner_client.get(reverse("notifications:calendar_feed")).status_code == 404


def test_the_feed_page_shows_only_my_own_feed(stranger_client, professional):
    mine = CalendarFeed.objects.create(professional=professional)

    page = stranger_client.get(reverse("notifications:calendar_feed"))

    assert page.status_code == 200
    assert mine.token not in page.content.decode()


def test_regenerating_needs_post(professional_client):
    url = reverse("notifications:calendar_feed_regenerate")
    assert professional_client.get(url).status_code == 405


# --- unsubscribe ----------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_and_then_stops_reminders(client, make_appointment):
    appointment = make_appointment()
    url = reverse("notifications:unsubscribe", args=[appointment.token])

    client.get(url)
    assert not ClientContactPreference.objects.exists()
    response = client.post(url)

    assert response.status_code == 200
    preference = ClientContactPreference.objects.get(client=appointment.client)
    assert preference.reminders_unsubscribed_at is not None


def test_the_unsubscribe_link_with_a_wrong_token_is_404(client, make_appointment):
    make_appointment()

    assert client.post("/cita/wrong/recordatorios/baja/").status_code == 404


def test_the_nav_shows_notifications_to_managers(owner_client):
    response = owner_client.get(reverse("practices:dashboard"))

    assert LOG in response.content.decode()


@pytest.mark.parametrize(
    ("language", "note", "not_shown"),
    [("es", "cita cambiada", "appointment changed"), ("en", "appointment changed", None)],
)
def test_a_reminder_cancelled_by_a_change_says_why_in_the_readers_language(
    owner_client, logged, language, note, not_shown
):
    appointment = logged.filter(kind="reminder").first().appointment
    with time_machine.travel(NOW, tick=False):
        on_appointment_event(appointment=appointment, kind="cancelled", by_client=True)
    assert logged.filter(kind="reminder", status="cancelled").exists()

    html = owner_client.get(
        LOG, {"status": "cancelled"}, HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert note in html
    assert not_shown is None or not_shown not in html
