"""Proof-of-work challenge (ALTCHA, self-hosted) in front of public bookings.

Once an address has made BOOKING_CHALLENGE_AFTER_ATTEMPTS booking attempts in the hour (0:
always), the booking page and the public API want a solved challenge with the booking: the
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


def _key(ip: str) -> str:
    return f"challenge-attempts:{ip}"


def challenge_shown(ip: str) -> bool:
    """Should the booking form carry the widget for this address (without counting)?"""
    return cache.get(_key(ip), 0) >= settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS


def challenge_refusal(*, ip: str, payload: str) -> str | None:
    """Count a booking attempt from `ip`; when a challenge is due, the reason to refuse the
    attempt's `payload` (the widget's base64 JSON), or None when it may go ahead."""
    attempts = _count(_key(ip), window=HOUR)
    if attempts <= settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS:
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
