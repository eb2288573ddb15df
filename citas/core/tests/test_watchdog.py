"""The watchdog behind every hard deadline (SMTP sends, webhooks, calendar fetches)."""

import threading
import time

from citas.core.http import Watchdog


def test_a_block_that_outlives_its_deadline_is_aborted_once():
    aborted = []
    with Watchdog(0.05, lambda: aborted.append(time.monotonic())) as watchdog:
        time.sleep(0.3)
    assert watchdog.fired
    assert len(aborted) == 1


def test_a_block_that_ends_in_time_is_never_aborted_later():
    aborted = []
    with Watchdog(0.1, lambda: aborted.append(True)) as watchdog:
        pass
    time.sleep(0.3)
    assert (watchdog.fired, aborted) == (False, [])


def test_the_earliest_deadline_fires_first_whatever_the_order_of_arming():
    fired = []
    with Watchdog(0.4, lambda: fired.append("late")), Watchdog(0.05, lambda: fired.append("soon")):
        time.sleep(0.2)
        assert fired == ["soon"]
        time.sleep(0.4)
    assert fired == ["soon", "late"]


def test_arming_a_watchdog_starts_no_thread_of_its_own():
    """One per message would be a thread start per email sent."""
    with Watchdog(10, lambda: None):
        before = threading.active_count()
        with Watchdog(10, lambda: None), Watchdog(10, lambda: None):
            assert threading.active_count() == before
