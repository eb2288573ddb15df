"""Two first bookings at once both find no notice and both create version 1: one wins, the
other catches the unique-version IntegrityError and uses the winner's row. Real threads with
their own database connections (PostgreSQL in CI; a shared SQLite file otherwise)."""

import threading

import pytest
from django.db import connections

from citas.booking.tests.helpers import bookable_practice
from citas.booking.tests.test_concurrency import database_file_for_threads  # noqa: F401
from citas.privacy import services
from citas.privacy.models import PrivacyNotice

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def test_simultaneous_first_consents_share_one_generated_notice(monkeypatch):
    practice = bookable_practice().practice
    real_notice_current = services.notice_current
    barrier = threading.Barrier(THREADS)
    seen = threading.local()

    def notice_current_then_wait(p):
        # Every thread reads "no notice yet" before any of them creates one: the race forced
        # open, then run for real against the database.
        found = real_notice_current(p)
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait(timeout=30)
        return found

    monkeypatch.setattr(services, "notice_current", notice_current_then_wait)
    results: list = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            outcome = services.notice_for_consent(practice).pk
        except Exception as exc:  # noqa: BLE001 — the failure is what the test reports
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    notices = list(PrivacyNotice.objects.filter(practice=practice))
    assert len(notices) == 1
    assert notices[0].version == 1
    assert results == [notices[0].pk] * THREADS
