"""Proof-of-work challenge (ALTCHA, self-hosted) in front of public bookings.

Once an IP address, or an email address, has made BOOKING_CHALLENGE_AFTER_ATTEMPTS booking
attempts in the hour (0: always), or a practice has taken the number of new public bookings in
the hour its booking rules set (a burst spread over many machines and addresses), the booking
page and the public API want a solved challenge with the booking: the
browser's widget finds a number n with sha256(salt + n) == challenge, which costs a bot real
CPU per booking and costs the server one hash to check. Challenges are signed (HMAC), expire,
and each solution is accepted once (its signature is remembered in the cache until it expires).
"""

import base64
import binascii
import json
from datetime import timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from citas.scheduling.models import BookingPolicy, default_challenge_after_bookings_hour

from .abuse import HOUR, _count


def _hmac_key() -> str:
    return settings.BOOKING_CHALLENGE_HMAC_KEY or f"altcha:{settings.SECRET_KEY}"


def new_challenge() -> dict:
    """A fresh signed challenge, as the widget and API clients expect it."""
    expires = timezone.now() + timedelta(seconds=settings.BOOKING_CHALLENGE_LIFETIME)
    options = altcha.ChallengeOptionsV1(
        hmac_key=_hmac_key(),
        max_number=settings.BOOKING_CHALLENGE_MAX_NUMBER,
        expires=expires,
    )
    return altcha.create_challenge_v1(options).to_dict()


def _ip_key(ip: str) -> str:
    return f"challenge-attempts:{ip}"


def _email_key(email: str) -> str:
    # Across practices: one address hammered at several practices is one target.
    return f"challenge-attempts:email:{email.strip().lower()}"


def _practice_key(practice_id: int) -> str:
    return f"challenge-bookings:practice:{practice_id}"


def _practice_busy(practice_id: int) -> bool:
    """The practice took its booking rules' number of new online bookings this hour."""
    bookings = cache.get(_practice_key(practice_id), 0)
    if not bookings:  # the threshold is at least 1: no need to read it
        return False
    threshold = (
        BookingPolicy.objects.filter(practice_id=practice_id)
        .values_list("challenge_after_bookings_hour", flat=True)
        .first()
    )
    if threshold is None:  # rules never saved: a new practice's
        threshold = default_challenge_after_bookings_hour()
    return bookings >= threshold


def note_public_booking(practice_id: int) -> None:
    """Count a new public booking (page or API) at the practice, for its hourly threshold."""
    _count(_practice_key(practice_id), window=HOUR)


def challenge_shown(*, ip: str, practice_id: int, email: str = "") -> bool:
    """Should the booking form carry the widget (without counting)?"""
    after = settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS
    return (
        cache.get(_ip_key(ip), 0) >= after
        or (bool(email.strip()) and cache.get(_email_key(email), 0) >= after)
        or _practice_busy(practice_id)
    )


def challenge_refusal(*, ip: str, email: str, practice_id: int, payload: str) -> str | None:
    """Count a booking attempt from `ip` for `email`; when a challenge is due (for the IP, the
    email address or the practice), the reason to refuse the attempt's `payload` (the widget's
    base64 JSON), or None when it may go ahead."""
    after = settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS
    by_ip = _count(_ip_key(ip), window=HOUR)
    by_email = _count(_email_key(email), window=HOUR) if email.strip() else 0
    if by_ip <= after and by_email <= after and not _practice_busy(practice_id):
        return None
    if not payload:
        return _("Please complete the anti-spam check (“I'm not a robot”) and send again.")
    try:
        signature = json.loads(base64.b64decode(payload, validate=True))["signature"]
        verified, _error = altcha.verify_solution_v1(payload, _hmac_key(), check_expires=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        verified = False
    if not verified:
        return _("The anti-spam check did not pass or has expired. Please try it again.")
    if not cache.add(f"challenge-used:{signature}", 1, timeout=settings.BOOKING_CHALLENGE_LIFETIME):
        return _("This anti-spam check was already used. Please solve a new one.")
    return None


def widget_strings() -> str:
    """The widget's texts in the visitor's language (its `strings` attribute)."""
    return json.dumps(
        {
            "label": _("I'm not a robot"),
            "verifying": _("Checking…"),
            "verified": _("Checked"),
            "error": _("The check failed. Please try again."),
            "expired": _("The check expired. Please try again."),
            "verificationRequired": _("Please complete the anti-spam check first."),
            "waitAlert": _("Checking… please wait."),
            "ariaLinkLabel": _("ALTCHA website"),
            "footer": _("Protected by ALTCHA"),
        },
        ensure_ascii=False,
    )
