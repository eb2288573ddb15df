"""Secrets that the app only compares (never shows again) are kept as their SHA-256.

The raw values are 256-bit random strings, so a plain (unsalted, fast) hash is enough: there is
nothing to guess by brute force, and the lookup stays an indexed equality.
"""

import hashlib


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
