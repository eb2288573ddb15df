"""The cache backends: no memcached key checks on the keys (slot caching uses hundreds)."""

import os
import time

import pytest
import redis
from django.core.cache.backends import base

from citas.core.cache import FallbackRedisCache, LocalMemoryCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
KEYS = {
    f"slots:1:7:Europe/Madrid:3:{pk}:{739000 + day}": [pk, day]
    for pk in range(3)
    for day in range(3)
}


@pytest.fixture
def key_checks(monkeypatch):
    checked = []

    def record(key):
        checked.append(key)
        return iter(())

    monkeypatch.setattr(base, "memcache_key_warnings", record)
    return checked


def test_the_local_memory_cache_stores_and_reads_keys_without_memcached_checks(key_checks):
    cache = LocalMemoryCache("test-no-key-checks", {})
    cache.set_many(KEYS)
    assert cache.get_many(list(KEYS)) == KEYS
    assert key_checks == []


def test_the_redis_cache_stores_and_reads_keys_without_memcached_checks(key_checks):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); set TEST_REDIS_URL")
    cache = FallbackRedisCache(REDIS_URL, {"KEY_PREFIX": "test-no-key-checks"})
    try:
        cache.set_many(KEYS)
        assert cache.get_many(list(KEYS)) == KEYS
    finally:
        cache.delete_many(list(KEYS))
    assert key_checks == []


def test_a_month_of_slots_for_ten_professionals_stays_cached_beside_other_keys():
    """300 slot entries (10 professionals × 30 days) and a few other keys: with Django's
    default limit of 300 entries, each write dropped a third of them and the month was never
    read whole again."""
    cache = LocalMemoryCache("test-month-of-slots", {})
    cache.clear()
    cache.set_many({f"other:{n}": n for n in range(5)})
    month = {
        f"slots:1:7:Europe/Madrid:3:{pk}:{739000 + day}": [pk]
        for pk in range(10)
        for day in range(30)
    }
    cache.set_many(month)
    cache.set("one-more", 1)
    assert cache.get_many(list(month)) == month


def test_reading_many_keys_is_reading_each_key(monkeypatch):
    """get_many gives what get() gives key by key: present keys only, expired ones dropped."""
    cache = LocalMemoryCache("test-get-many", {})
    cache.clear()
    cache.set("kept", [1, 2])
    cache.set("none", None)
    cache.set("expired", 3, timeout=10)
    cache.set("other-version", 4, version=2)
    clock = time.time()
    monkeypatch.setattr(time, "time", lambda: clock + 60)
    keys = ["kept", "none", "expired", "missing", "other-version"]
    assert cache.get_many(keys) == {"kept": [1, 2], "none": None}
    assert not cache.has_key("expired")
    assert {k: v for k in keys if (v := cache.get(k, "absent")) != "absent"} == cache.get_many(keys)
    assert cache.get_many(["other-version"], version=2) == {"other-version": 4}


def _entries_kept(cache, count: int) -> int:
    for n in range(count):
        cache.set(f"week:{n}", "x")
    return sum(cache.get(f"week:{n}") is not None for n in range(count))


def test_the_agenda_caches_local_memory_keeps_few_entries_with_or_without_redis(settings):
    """Agenda weeks are up to a megabyte each: local memory (without Redis, or while Redis is
    down) keeps AGENDA_CACHE_LOCAL_ENTRIES of them, apart from the other caches' entries."""
    most = settings.AGENDA_CACHE_LOCAL_ENTRIES
    agenda = settings.CACHES["agenda"]
    assert most in (
        agenda.get("FALLBACK_MAX_ENTRIES"),
        agenda.get("OPTIONS", {}).get("MAX_ENTRIES"),
    )
    alone = LocalMemoryCache("test-agenda", {"OPTIONS": {"MAX_ENTRIES": most}})
    down = FallbackRedisCache(
        "redis://127.0.0.1:9/0",
        {"FALLBACK_NAME": "test-agenda-fallback", "FALLBACK_MAX_ENTRIES": most},
    )
    shared = FallbackRedisCache("redis://127.0.0.1:9/0", {})

    assert _entries_kept(alone, 3 * most) <= most
    assert _entries_kept(down.fallback, 3 * most) <= most
    assert down.fallback._max_entries == most
    assert shared.fallback._max_entries > 100 * most
