import os

import pytest
from django.core.cache import caches

from citas.core.factories import STRANGER_NAME, MembershipFactory, ProfessionalFactory
from citas.practices.models import Role


def pytest_configure(config):
    from django.conf import settings

    # Tests talk plain HTTP to the test client and the live server, and don't need
    # collectstatic's manifest.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Argon2 is deliberately slow; tests that check hashing say so explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://testserver"
    # The proof-of-work challenge is tested on its own (test_challenge.py, e2e).
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 10**6
    settings.BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS = 10**6
    _clear_caches(settings)  # rate-limit counters must not leak from one test to the next
    yield
    _clear_caches(settings)


def _clear_caches(settings):
    for name in settings.CACHES:  # a test may have replaced them
        caches[name].clear()


@pytest.fixture
def owner(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def stranger_client(client, db):
    """Logged in as the owner of another practice."""
    other = MembershipFactory(role=Role.OWNER, user__full_name=STRANGER_NAME)
    ProfessionalFactory(practice=other.practice, display_name=STRANGER_NAME)
    client.force_login(other.user)
    return client


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in e2e tests
