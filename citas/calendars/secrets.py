"""Encryption of the CalDAV app passwords at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from the environment, CALENDAR_CREDENTIALS_KEY (a Fernet key:
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
Without it, a key is derived from SECRET_KEY, so that changing SECRET_KEY also means
reconnecting the CalDAV accounts. Several keys, comma-separated, allow rotation: the first
encrypts, all decrypt.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    configured = [
        key.strip() for key in settings.CALENDAR_CREDENTIALS_KEY.split(",") if key.strip()
    ]
    if not configured:
        derived = hashlib.sha256(b"citas.calendars:" + settings.SECRET_KEY.encode()).digest()
        configured = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in configured])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The stored password, or "" when no configured key opens it (the account then shows an
    authentication problem and asks to be connected again)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
