"""The Redis cache, with this process's memory as a fallback while Redis does not answer.

Redis is an optimisation here, not a dependency: rate-limit counters (allauth, the API, public
booking) and cached values live in it, and when it is unreachable each web process counts in
its own memory instead (limits then apply per process) and says so in the log. After a failure
Redis is left alone for RETRY_AFTER seconds, so that requests do not each wait for a timeout.
"""

import logging
import pickle
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


# The slot cache keeps one entry per (professional, day): a month of availability for ten
# professionals is 300 entries, Django's default limit for the whole local-memory cache. At
# that limit every write first drops a third of the entries, so with anything else cached the
# month read missed some days, computed and wrote them, and dropped others: it never stayed
# warm. Entries are small (a list of integers), so a process can keep many.
LOCAL_MAX_ENTRIES = 20_000


class LocalMemoryCache(LocMemCache):
    """Django's local-memory cache without its memcached key checks: they warn about keys that
    memcached would refuse (over 250 characters, spaces, control characters), which neither
    this cache nor Redis does, and they walk every key character by character in Python: the
    availability endpoint reads and writes hundreds of keys per request. Reading many keys
    takes the lock once, and it holds LOCAL_MAX_ENTRIES entries unless told otherwise."""

    def __init__(self, name, params):
        options = {"MAX_ENTRIES": LOCAL_MAX_ENTRIES, **params.get("OPTIONS", {})}
        super().__init__(name, {**params, "OPTIONS": options})

    def validate_key(self, key):
        pass

    def get_many(self, keys, version=None):
        """BaseCache.get_many (the keys present and not expired) in one pass under the lock,
        rather than one get() per key."""
        made = [(key, self.make_key(key, version=version)) for key in keys]
        found = {}
        with self._lock:
            now = time.time()
            for key, made_key in made:
                expiry = self._expire_info.get(made_key, -1)
                if expiry is not None and expiry <= now:
                    self._delete(made_key)
                    continue
                found[key] = self._cache[made_key]
                self._cache.move_to_end(made_key, last=False)
        # What this process pickled itself, as LocMemCache.get reads it.
        return {key: pickle.loads(value) for key, value in found.items()}  # noqa: S301


class FallbackRedisCache(RedisCache):
    """Redis, and this process's memory while Redis is down. FALLBACK_NAME and
    FALLBACK_MAX_ENTRIES (beside BACKEND and LOCATION) give a cache of large entries a local
    memory of its own that keeps few of them."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback = LocalMemoryCache(
            params.get("FALLBACK_NAME", "citas-redis-fallback"),
            {
                "TIMEOUT": params.get("TIMEOUT"),
                "OPTIONS": {"MAX_ENTRIES": params.get("FALLBACK_MAX_ENTRIES", LOCAL_MAX_ENTRIES)},
            },
        )

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
