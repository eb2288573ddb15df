"""Booking abuse limits kept in the cache, on top of the per-address limit of the booking page
and the API's throttles: attempts per email address and per practice (so that many addresses
cannot flood one inbox, nor one address be hammered from many machines), and availability
reads per address. The cap on upcoming appointments per client and the practice's ceiling of
online bookings per hour are booking rules each practice sets (services.check_upcoming_cap,
rules.check_online_bookings_per_hour)."""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

HOUR = 3600


def _count(key: str, *, window: int = HOUR) -> int:
    """One more hit on `key` in the current window; the number of hits so far."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def booking_attempt_refusal(*, practice, email: str) -> str | None:
    """Count a booking attempt; the friendly reason to refuse it, or None."""
    by_email = _count(f"booking-attempts:email:{practice.pk}:{email.strip().lower()}")
    by_practice = _count(f"booking-attempts:practice:{practice.pk}")
    if by_email > settings.BOOKING_ATTEMPTS_PER_EMAIL_HOUR:
        return _(
            "We have received many booking attempts for this email address. "
            "Please try again in an hour, or call the practice."
        )
    if by_practice > settings.BOOKING_ATTEMPTS_PER_PRACTICE_HOUR:
        return _(
            "This practice is receiving an unusual number of online bookings. "
            "Please try again later, or call the practice."
        )
    return None


def availability_reads_exceeded(ip: str) -> bool:
    """Count an availability read from `ip`; True past the hourly limit (0: no limit)."""
    if not settings.AVAILABILITY_READS_PER_HOUR:
        return False
    return _count(f"availability-reads:{ip}") > settings.AVAILABILITY_READS_PER_HOUR
