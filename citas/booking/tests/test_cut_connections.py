"""Redis cut mid-way, not just a closed port: a loopback proxy in front of the real Redis is
reset (every open connection gets a RST) or stalls (connections stay open, nothing comes back)
while a guest books and a member logs in. Both keep working; the messages wait in the
database. Needs Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/15)."""

import logging
import os
import time
from urllib.parse import urlsplit

import pytest
import redis
import time_machine
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from citas.booking.models import Appointment
from citas.core import cache as fallback_cache
from citas.core.factories import DEFAULT_PASSWORD, UserFactory
from citas.core.tests.tcp_proxy import TcpProxy
from citas.notifications.models import Notification

from .test_public_views import NOW, TUESDAY_TEN, form_data, submit

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_proxy(settings, monkeypatch):
    parts = urlsplit(REDIS_URL)
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); set TEST_REDIS_URL")
    with TcpProxy(parts.hostname, parts.port or 6379) as proxy:
        url = f"redis://127.0.0.1:{proxy.port}{parts.path or '/0'}"
        timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        settings.CACHES = {
            "default": {
                "BACKEND": "citas.core.cache.FallbackRedisCache",
                "LOCATION": url,
                "OPTIONS": timeouts,
            }
        }
        pool = redis.ConnectionPool.from_url(url, **timeouts)
        monkeypatch.setattr(HUEY, "storage", RedisStorage(name="citas-cut", connection_pool=pool))
        monkeypatch.setitem(fallback_cache._state, "down_until", 0.0)
        yield proxy


def log_in(client, user):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_booking_and_login_go_on_when_redis_is_cut_mid_way(
    client, s, redis_proxy, fault, caplog, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with (
        time_machine.travel(NOW, tick=False),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # Through the proxy: the connections to Redis are open and in use.
        assert log_in(client, user).status_code == 302
        client.logout()
        assert "Redis cache unreachable" not in caplog.text

        getattr(redis_proxy, fault)()
        started = time.monotonic()
        booked = submit(client, s, **form_data(s, email="ana@example.com"))
        logged_in = log_in(client, user)
        elapsed = time.monotonic() - started

    assert (booked.status_code, logged_in.status_code) == (302, 302)
    assert client.session["_auth_user_id"] == str(user.pk)
    appointment = Appointment.objects.get(start=TUESDAY_TEN)
    assert Notification.objects.filter(appointment=appointment, status="pending").exists()
    assert "Redis cache unreachable" in caplog.text
    assert "the periodic sweep will send" in caplog.text
    assert elapsed < 10  # a stalled Redis costs one read timeout, not one per call


def test_redis_is_used_again_once_the_proxy_lets_traffic_through(client, s, redis_proxy):
    user = UserFactory()
    redis_proxy.cut()
    assert log_in(client, user).status_code == 302
    client.logout()

    redis_proxy.restore()
    fallback_cache._state["down_until"] = 0.0  # the retry pause is over
    from django.core.cache import cache

    cache.set("cut-proxy-probe", "back", 30)
    direct = redis.Redis.from_url(REDIS_URL)
    assert any(key.endswith(b"cut-proxy-probe") for key in direct.scan_iter("*cut-proxy-probe"))
