"""The Redis cache, with this process's memory as a fallback while Redis does not answer.

Redis is an optimisation here, not a dependency: rate-limit counters (allauth, the API, public
booking) and cached values live in it, and when it is unreachable each web process counts in
its own memory instead (limits then apply per process) and says so in the log. After a failure
Redis is left alone for RETRY_AFTER seconds, so that requests do not each wait for a timeout.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 10.0  # seconds
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_state = {"down_until": 0.0}
_lock = threading.Lock()


def _fallback_method(name: str):
    def method(self, *args, **kwargs):
        if time.monotonic() < _state["down_until"]:
            return getattr(self.fallback, name)(*args, **kwargs)
        try:
            return getattr(super(FallbackRedisCache, self), name)(*args, **kwargs)
        except UNAVAILABLE as error:
            with _lock:
                _state["down_until"] = time.monotonic() + RETRY_AFTER
            logger.warning(
                "Redis cache unreachable (%s: %s): rate limits and cache use this process's "
                "memory for the next %.0f s",
                type(error).__name__,
                error,
                RETRY_AFTER,
            )
            return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


class LocalMemoryCache(LocMemCache):
    """Django's local-memory cache without its memcached key checks: they warn about keys that
    memcached would refuse (over 250 characters, spaces, control characters), which neither
    this cache nor Redis does, and they walk every key character by character in Python: the
    availability endpoint reads and writes hundreds of keys per request."""

    def validate_key(self, key):
        pass


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback = LocalMemoryCache("citas-redis-fallback", {"TIMEOUT": params.get("TIMEOUT")})

    def validate_key(self, key):  # see LocalMemoryCache
        pass

    @staticmethod
    def redis_is_down() -> bool:
        return time.monotonic() < _state["down_until"]


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(FallbackRedisCache, _name, _fallback_method(_name))
