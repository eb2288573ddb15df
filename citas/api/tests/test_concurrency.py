"""The double-booking guard through the API: 20 threads POST the same slot to the public
booking endpoint; one gets 201, nineteen get 409. Each thread has its own DB connection."""

import threading

import pytest
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from citas.booking.models import Appointment
from citas.booking.tests.test_concurrency import database_file_for_threads  # noqa: F401
from citas.scheduling.selectors import policy_for

from .conftest import Clinic, free_start

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
THREADS = 20


def test_twenty_clients_posting_the_same_slot_get_one_201_and_nineteen_409(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_booking": "1000/hour"})
    clinic = Clinic()
    policy_for(clinic.practice)  # the policy row exists before the race, as in production
    url = reverse("api:book", args=[clinic.practice.slug])
    start = free_start().isoformat()
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        body = {
            "service": clinic.service.pk,
            "professional": clinic.professional.pk,
            "start": start,
            "full_name": f"Client {i}",
            "email": f"client{i}@example.com",
            "privacy_accepted": True,
        }
        try:
            barrier.wait()
            status = APIClient().post(url, body, format="json").status_code
        finally:
            connections.close_all()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert Appointment.objects.count() == 1
    # The losers' client records were rolled back with their bookings.
    assert clinic.practice.clients.count() == 2
