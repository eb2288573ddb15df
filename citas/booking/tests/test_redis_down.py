"""Redis is an optimisation: with nothing listening at its address, booking, login and the
health check still work (rate limits count in the process, the enqueue is logged and skipped,
the rows wait for the periodic sweep)."""

import logging
import socket

import pytest
import redis
import time_machine
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from citas.booking.models import Appointment
from citas.core import cache as fallback_cache
from citas.core.factories import DEFAULT_PASSWORD, UserFactory
from citas.notifications.models import Notification

from .test_public_views import NOW, form_data, submit

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once closed: nothing listens there


@pytest.fixture
def redis_down(settings, monkeypatch):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    settings.CACHES = {
        "default": {
            "BACKEND": "citas.core.cache.FallbackRedisCache",
            "LOCATION": url,
            "OPTIONS": timeouts,
        }
    }
    pool = redis.ConnectionPool.from_url(url, **timeouts)
    monkeypatch.setattr(HUEY, "storage", RedisStorage(name="citas", connection_pool=pool))
    monkeypatch.setitem(fallback_cache._state, "down_until", 0.0)
    return url


def test_a_guest_books_while_redis_is_down_and_the_messages_wait_in_the_database(
    client, s, redis_down, caplog, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(NOW, tick=False),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(client, s, **form_data(s))

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert Notification.objects.filter(appointment=appointment, status="pending").exists()
    assert "Redis cache unreachable" in caplog.text
    assert "the periodic sweep will send" in caplog.text


def test_login_works_while_redis_is_down(client, redis_down):
    user = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_failures_are_still_limited_in_the_process_while_redis_is_down(client, redis_down):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_healthz_says_redis_is_down_but_answers_200(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["cache"], body["queue"]) == (
        "degraded",
        "ok",
        "unavailable",
        "unavailable",
    )
