"""The waiting list refilled by schedule changes (time off or a holiday removed, new working
hours) and by offers that expire unclaimed; the practice's offer settings."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from citas.booking.models import WaitlistStatus
from citas.booking.services import appointment_book
from citas.booking.tasks import expire_waitlist_offers
from citas.booking.waitlist import waitlist_expire_offers
from citas.core.factories import TimeOffFactory, UserFactory, enable_two_factor
from citas.notifications.models import Notification, NotificationKind
from citas.scheduling.changes import subtracted
from citas.scheduling.models import TimeOffReason
from citas.scheduling.selectors import policy_for
from citas.scheduling.services import time_off_delete, working_hours_set

from .waitlist_helpers import MADRID, NOW, THURSDAY, THURSDAY_TEN, free, waiting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
THURSDAY_ELEVEN = THURSDAY_TEN + timedelta(hours=1)


def offers():
    return Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)


def offer_callbacks(callbacks):
    return [c for c in callbacks if "offer_freed_times_on_commit" in c.__qualname__]


def refreshed(entry):
    entry.refresh_from_db()
    return entry


def book_thursday_ten(s, **options):
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=THURSDAY_TEN,
        by_client=False,
        **options,
    )


def set_policy(s, **values):
    policy = policy_for(s.practice)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()


# --- schedule changes ------------------------------------------------------------------------


def test_removing_time_off_offers_its_time(s, django_capture_on_commit_callbacks):
    time_off = TimeOffFactory(
        practice=s.practice,
        professional=s.professional,
        start=datetime(2026, 12, 3, 9, tzinfo=MADRID),
        end=datetime(2026, 12, 3, 14, tzinfo=MADRID),
    )
    entry = waiting(s, first_day=THURSDAY, part_of_day="morning")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        time_off_delete(time_off=time_off)

    assert len(offer_callbacks(callbacks)) == 1
    entry = refreshed(entry)
    assert entry.status == WaitlistStatus.OFFERED
    assert entry.offered_start == datetime(2026, 12, 3, 9, tzinfo=MADRID)
    assert offers().count() == 1


def test_removing_a_practice_holiday_offers_the_day_of_every_professional(
    s, django_capture_on_commit_callbacks
):
    holiday = TimeOffFactory(
        practice=s.practice,
        professional=None,
        reason=TimeOffReason.HOLIDAY,
        all_day=True,
        start=datetime(2026, 12, 3, tzinfo=MADRID),
        end=datetime(2026, 12, 4, tzinfo=MADRID),
    )
    afternoon = waiting(s, first_day=THURSDAY, part_of_day="any")

    with django_capture_on_commit_callbacks(execute=True):
        time_off_delete(time_off=holiday)

    assert refreshed(afternoon).offered_start == datetime(2026, 12, 3, 9, tzinfo=MADRID)


def test_longer_working_hours_offer_only_the_time_they_add(s, django_capture_on_commit_callbacks):
    afternoon = waiting(s, first_day=THURSDAY, part_of_day="afternoon")
    hours = {weekday: [(time(9), time(14))] for weekday in range(5)}
    hours[3] = [(time(9), time(14)), (time(16), time(19))]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        working_hours_set(practice=s.practice, professional=s.professional, ranges=hours)

    assert len(offer_callbacks(callbacks)) == 1
    assert refreshed(afternoon).offered_start == datetime(2026, 12, 3, 16, tzinfo=MADRID)
    assert offers().count() == 1


def test_working_hours_that_add_nothing_offer_nothing(s, django_capture_on_commit_callbacks):
    entry = waiting(s, first_day=THURSDAY)
    fewer = {weekday: [(time(10), time(13))] for weekday in range(5)}

    with django_capture_on_commit_callbacks(execute=True):
        working_hours_set(practice=s.practice, professional=s.professional, ranges=fewer)

    assert refreshed(entry).status == WaitlistStatus.WAITING
    assert not offers().exists()


def test_time_freed_by_a_schedule_change_that_is_still_taken_is_not_offered(
    s, django_capture_on_commit_callbacks
):
    time_off = TimeOffFactory(
        practice=s.practice,
        professional=s.professional,
        start=THURSDAY_TEN,
        end=THURSDAY_TEN + timedelta(minutes=30),
    )
    book_thursday_ten(s, override_policy=True)
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True):
        time_off_delete(time_off=time_off)

    assert refreshed(entry).status == WaitlistStatus.WAITING


@pytest.mark.parametrize(
    ("old", "new", "added"),
    [
        ([(540, 840)], [(540, 840)], []),
        ([(540, 840)], [(480, 900)], [(480, 540), (840, 900)]),
        ([(540, 600), (660, 720)], [(540, 720)], [(600, 660)]),
        ([], [(540, 600)], [(540, 600)]),
        ([(540, 840)], [(600, 700)], []),
    ],
)
def test_the_minutes_new_hours_add(old, new, added):
    assert subtracted(new, old) == added


# --- offers that expire unclaimed --------------------------------------------------------------


def test_an_expired_offer_goes_to_the_next_entry_in_order_once(s):
    set_policy(s, waitlist_offers_per_slot=1)
    first, second, third = (waiting(s, first_day=THURSDAY) for _ in range(3))
    assert free(s) == [first]
    expiry = refreshed(first).offer_expires_at

    assert waitlist_expire_offers(now=expiry - timedelta(seconds=1)) == []
    assert [e.pk for e in waitlist_expire_offers(now=expiry)] == [second.pk]
    assert waitlist_expire_offers(now=expiry) == []  # handled once

    assert refreshed(first).status == WaitlistStatus.WAITING
    assert refreshed(second).offered_start == THURSDAY_TEN
    assert refreshed(third).status == WaitlistStatus.WAITING
    sent = offers().order_by("pk").values_list("recipient", flat=True)
    assert list(sent) == [first.email, second.email]


def test_whoever_let_a_time_expire_is_not_offered_it_again(s):
    set_policy(s, waitlist_offers_per_slot=1)
    first, second = (waiting(s, first_day=THURSDAY) for _ in range(2))
    free(s)
    expiry = refreshed(first).offer_expires_at
    waitlist_expire_offers(now=expiry)
    later = refreshed(second).offer_expires_at

    assert waitlist_expire_offers(now=later) == []
    assert refreshed(first).status == refreshed(second).status == WaitlistStatus.WAITING


def test_an_expired_offer_of_a_time_booked_since_is_not_offered_on(s):
    first, second = (waiting(s, first_day=THURSDAY) for _ in range(2))
    set_policy(s, waitlist_offers_per_slot=1)
    free(s)
    book_thursday_ten(s)

    assert waitlist_expire_offers(now=refreshed(first).offer_expires_at) == []
    assert refreshed(second).status == WaitlistStatus.WAITING


def test_the_periodic_task_expires_offers(s):
    set_policy(s, waitlist_offers_per_slot=1)
    first, second = (waiting(s, first_day=THURSDAY) for _ in range(2))
    free(s)

    with time_machine.travel(refreshed(first).offer_expires_at, tick=False):
        expire_waitlist_offers.call_local()

    assert refreshed(second).status == WaitlistStatus.OFFERED


# --- the practice's settings -------------------------------------------------------------------


def test_the_practice_sets_how_long_an_offer_lasts_and_how_many_get_it(s):
    set_policy(s, waitlist_offer_valid_minutes=30, waitlist_offers_per_slot=2)
    entries = [waiting(s, first_day=THURSDAY) for _ in range(3)]

    offered = free(s)

    assert [e.pk for e in offered] == [e.pk for e in entries[:2]]
    assert refreshed(entries[0]).offer_expires_at == NOW + timedelta(minutes=30)


def test_removing_time_off_on_the_admin_site_offers_its_time(
    s, client, django_capture_on_commit_callbacks
):
    operator = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(operator)
    client.force_login(operator)
    time_off = TimeOffFactory(
        practice=s.practice, professional=s.professional, start=THURSDAY_TEN, end=THURSDAY_ELEVEN
    )
    entry = waiting(s, first_day=THURSDAY)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:scheduling_timeoff_delete", args=[time_off.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert len(offer_callbacks(callbacks)) == 1
    assert refreshed(entry).offered_start == THURSDAY_TEN
