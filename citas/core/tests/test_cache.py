"""The cache backends: no memcached key checks on the keys (slot caching uses hundreds)."""

import os

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
