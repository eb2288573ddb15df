"""A text message about several occurrences of a series names every date, briefly and in the
client's language; a long series names its first and last date."""

from datetime import datetime

import pytest
from django.utils import translation

from citas.booking.series import SeriesScope, series_cancel, series_move
from citas.notifications.models import ClientContactPreference, Notification, NotificationKind
from citas.notifications.rendering import render_notification
from citas.notifications.services import settings_for
from citas.notifications.sms_dates import MAX_LENGTH, short_dates

from .helpers import bookable_practice
from .test_series import MADRID, NOW, TUESDAY_TEN, book_series, weekly  # noqa: F401 — NOW: the frozen clock's time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def s(db):
    setup = bookable_practice(horizon_days=365)
    options = settings_for(setup.practice)
    options.sms_enabled = True
    options.save()
    setup.client.phone = "+34600111222"
    setup.client.save()
    ClientContactPreference.objects.create(client=setup.client, sms_consent=True)
    return setup


def pending_sms(kind):
    return Notification.objects.filter(kind=kind, channel="sms", status="pending")


def test_the_text_for_a_booked_series_lists_its_dates(s):
    book_series(s, weekly(s, count=3))

    (sms,) = pending_sms(NotificationKind.CONFIRMED)
    text = render_notification(sms).text

    assert f"3 citas de {s.service.name} confirmadas: 9, 16 y 23 mar 10:00." in text


def test_the_text_for_a_cancelled_series_lists_its_dates_in_the_clients_language(s):
    series = book_series(s, weekly(s, count=5))
    first = series.appointments.order_by("start").first()
    Notification.objects.update(status="sent")

    series_cancel(appointment=first, scope=SeriesScope.ALL, by=None)

    (sms,) = pending_sms(NotificationKind.CANCELLED)
    sms.language = "en"
    text = render_notification(sms).text
    assert (
        f"5 appointments for {s.service.name} cancelled: 9, 16, 23 and 30 mar, 6 apr 10:00." in text
    )


def test_the_text_for_a_moved_series_names_the_new_dates(s):
    series = book_series(s, weekly(s, count=2))
    first = series.appointments.order_by("start").first()
    Notification.objects.update(status="sent")

    series_move(
        appointment=first, scope=SeriesScope.ALL, start=first.start.replace(hour=11), by=None
    )

    (sms,) = pending_sms(NotificationKind.RESCHEDULED)
    assert "2 citas de" in render_notification(sms).text
    assert "9 y 16 mar 12:00" in render_notification(sms).text  # 11 UTC, 12 in Madrid


def test_a_long_series_names_its_first_and_last_date_and_fits_a_text_message(s):
    book_series(s, weekly(s, count=20))

    (sms,) = pending_sms(NotificationKind.CONFIRMED)
    text = render_notification(sms).text

    assert "20 citas de" in text
    assert "del 9 mar al 20 jul" in text
    assert len(text) <= 160 + len(text.split()[-1])  # the link aside


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "9 mar 10:00 y 16 mar 11:30"),
        ("en", "9 mar 10:00 and 16 mar 11:30"),
    ],
)
def test_dates_at_different_times_each_carry_their_time(language, expected):
    starts = [TUESDAY_TEN, datetime(2027, 3, 16, 11, 30, tzinfo=MADRID)]

    with translation.override(language):
        assert short_dates(starts, "Europe/Madrid") == expected


def test_many_dates_at_different_times_shrink_to_the_first_and_last():
    starts = [datetime(2027, 3, day, 9 + day % 5, tzinfo=MADRID) for day in range(1, 29)]

    with translation.override("es"):
        dates = short_dates(starts, "Europe/Madrid")

    assert dates == "del 1 mar al 28 mar"
    assert len(dates) <= MAX_LENGTH
