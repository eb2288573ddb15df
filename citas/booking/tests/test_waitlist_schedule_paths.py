"""Every path that changes the schedule offers the time it frees to the waiting list, like the
staff pages: the admin site (working hours added, lengthened or moved, time off shortened or
removed, a professional back at work, an appointment deleted), and services nested in one
another offer it once."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from citas.booking.models import WaitlistStatus
from citas.core.factories import TimeOffFactory, UserFactory, enable_two_factor
from citas.notifications.models import Notification, NotificationKind
from citas.scheduling.changes import Snapshot, freed_windows, schedule_change
from citas.scheduling.models import WorkingHours
from citas.scheduling.services import time_off_delete

from .test_waitlist_refill import book_thursday_ten
from .waitlist_helpers import MADRID, NOW, THURSDAY, THURSDAY_TEN, waiting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
THURSDAY_FOUR = datetime(2026, 12, 3, 16, tzinfo=MADRID)


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(user)
    client.force_login(user)
    return client


def offers():
    return Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)


def refreshed(entry):
    entry.refresh_from_db()
    return entry


def admin_url(obj, view="change"):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def thursday_hours(s):
    return WorkingHours.objects.get(professional=s.professional, weekday=THURSDAY.weekday())


def hours_form(s, row, *, start, end):
    return {
        "practice": s.practice.pk,
        "professional": s.professional.pk,
        "weekday": row.weekday,
        "start_time": start,
        "end_time": end,
    }


def test_longer_hours_on_the_admin_site_offer_the_time_they_add(
    s, operator, django_capture_on_commit_callbacks
):
    afternoon = waiting(s, first_day=THURSDAY, part_of_day="afternoon")
    row = thursday_hours(s)

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(admin_url(row), hours_form(s, row, start="09:00", end="18:00"))

    assert response.status_code == 302
    assert refreshed(afternoon).offered_start == datetime(2026, 12, 3, 14, tzinfo=MADRID)
    assert offers().count() == 1


def test_hours_added_on_the_admin_site_are_offered(s, operator, django_capture_on_commit_callbacks):
    afternoon = waiting(s, first_day=THURSDAY, part_of_day="afternoon")
    data = hours_form(s, thursday_hours(s), start="16:00", end="19:00")

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(reverse("admin:scheduling_workinghours_add"), data)

    assert response.status_code == 302
    assert refreshed(afternoon).offered_start == THURSDAY_FOUR


def test_hours_moved_on_the_admin_site_offer_only_the_new_time(
    s, operator, django_capture_on_commit_callbacks
):
    morning = waiting(s, first_day=THURSDAY, part_of_day="morning")
    afternoon = waiting(s, first_day=THURSDAY, part_of_day="afternoon")
    row = thursday_hours(s)

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(admin_url(row), hours_form(s, row, start="16:00", end="19:00"))

    assert refreshed(morning).status == WaitlistStatus.WAITING
    assert refreshed(afternoon).offered_start == THURSDAY_FOUR


def test_time_off_shortened_on_the_admin_site_offers_the_time_it_gives_back(
    s, operator, django_capture_on_commit_callbacks
):
    time_off = TimeOffFactory(
        practice=s.practice,
        professional=s.professional,
        start=datetime(2026, 12, 3, 9, tzinfo=MADRID),
        end=datetime(2026, 12, 3, 14, tzinfo=MADRID),
    )
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            admin_url(time_off),
            {
                "practice": s.practice.pk,
                "professional": s.professional.pk,
                "start_0": "03/12/2026",
                "start_1": "09:00:00",
                "end_0": "03/12/2026",
                "end_1": "12:00:00",
                "reason": time_off.reason,
                "note": "",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert refreshed(entry).offered_start == datetime(2026, 12, 3, 12, tzinfo=MADRID)


def test_a_professional_back_at_work_on_the_admin_site_is_offered(
    s, operator, django_capture_on_commit_callbacks
):
    s.professional.is_active = False
    s.professional.save()
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            admin_url(s.professional),
            {
                "practice": s.practice.pk,
                "display_name": s.professional.display_name,
                "color": s.professional.color,
                "is_active": "on",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert refreshed(entry).status == WaitlistStatus.OFFERED


def test_deleting_hours_on_the_admin_site_offers_nothing(
    s, operator, django_capture_on_commit_callbacks
):
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(admin_url(thursday_hours(s), "delete"), {"post": "yes"})

    assert refreshed(entry).status == WaitlistStatus.WAITING
    assert not offers().exists()


def test_time_off_removed_in_a_bulk_admin_action_is_offered_once_per_freed_day(
    s, operator, django_capture_on_commit_callbacks
):
    days = [
        TimeOffFactory(
            practice=s.practice,
            professional=s.professional,
            start=THURSDAY_TEN + timedelta(hours=hour),
            end=THURSDAY_TEN + timedelta(hours=hour + 1),
        )
        for hour in (0, 1)
    ]
    entries = [waiting(s, first_day=THURSDAY) for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            reverse("admin:scheduling_timeoff_changelist"),
            {"action": "delete_selected", "_selected_action": [d.pk for d in days], "post": "yes"},
        )

    assert response.status_code == 302
    offered = [e for e in entries if refreshed(e).status == WaitlistStatus.OFFERED]
    per_day = s.practice.booking_policy.waitlist_offers_per_slot
    assert len(offered) == per_day < len(entries)


def test_services_inside_one_change_offer_the_freed_time_once(
    s, django_capture_on_commit_callbacks
):
    one, two = (
        TimeOffFactory(
            practice=s.practice,
            professional=s.professional,
            start=THURSDAY_TEN + timedelta(hours=hour),
            end=THURSDAY_TEN + timedelta(hours=hour + 1),
        )
        for hour in (0, 1)
    )
    for _ in range(5):
        waiting(s, first_day=THURSDAY)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        schedule_change(practice_ids=[s.practice.pk]),
    ):
        time_off_delete(time_off=one)
        time_off_delete(time_off=two)

    assert len([c for c in callbacks if "offer_freed_times" in c.__qualname__]) == 1
    assert offers().count() == s.practice.booking_policy.waitlist_offers_per_slot


def test_time_off_still_covered_by_other_time_off_frees_nothing():
    tuesday = datetime(2026, 12, 1, tzinfo=MADRID)
    holiday = (None, tuesday, tuesday + timedelta(days=1))
    vacation = (7, tuesday + timedelta(hours=9), tuesday + timedelta(hours=18))
    week = {1: [(540, 840)]}
    before = Snapshot(hours={7: week}, blocked=[holiday, vacation])

    kept_holiday = Snapshot(hours={7: week}, blocked=[holiday])
    kept_vacation = Snapshot(hours={7: week}, blocked=[vacation])
    options = {"tz": MADRID, "now": NOW, "horizon_days": 30}

    assert freed_windows(before, kept_holiday, **options) == {}
    assert freed_windows(before, kept_vacation, **options) == {
        7: [
            (tuesday, tuesday + timedelta(hours=9)),
            (tuesday + timedelta(hours=18), tuesday + timedelta(days=1)),
        ]
    }


def test_hours_of_a_professional_who_stops_working_free_nothing():
    week = {3: [(540, 840)]}
    before = Snapshot(hours={7: week}, blocked=[])

    assert (
        freed_windows(before, Snapshot(hours={}, blocked=[]), tz=MADRID, now=NOW, horizon_days=30)
        == {}
    )
    assert freed_windows(
        Snapshot(hours={}, blocked=[]), before, tz=MADRID, now=NOW, horizon_days=14
    ) == {
        7: [
            (datetime(2026, 12, 3, 9, tzinfo=MADRID), datetime(2026, 12, 3, 14, tzinfo=MADRID)),
            (datetime(2026, 12, 10, 9, tzinfo=MADRID), datetime(2026, 12, 10, 14, tzinfo=MADRID)),
        ]
    }


def test_an_appointment_deleted_on_the_admin_site_offers_its_time(
    s, operator, django_capture_on_commit_callbacks
):
    taken = book_thursday_ten(s)
    entry = waiting(s, first_day=THURSDAY, part_of_day="morning")

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(admin_url(taken, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert refreshed(entry).offered_start == THURSDAY_TEN
