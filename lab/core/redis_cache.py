"""Django's Redis cache, made so that a dead Redis slows no page down and breaks none.

Django's ``RedisCache`` raises when Redis cannot be reached, so every page, and every request
of a logged-in user (``cached_db`` sessions read the cache first), would answer 500.
``TolerantRedisCache`` answers as an empty cache instead: a read is a miss, a write is dropped,
``add`` says the key was not added and ``incr`` that it does not exist (``ValueError``, which
Django's callers already handle). Pages are then rendered afresh, sessions read from the
database, and a warning is logged, at most once a minute per process.

A failure also stops the process from asking Redis for ``RETRY_SECONDS`` (5 by default): a
Redis that hangs costs one request its socket timeout, not every cache call of every request.

Writes dropped during an outage would leave Redis stale once it answers again, if it kept its
data (a network cut, not a restart): the page cache's generation bump of a record saved
meanwhile, the deletion of a session at log-out. So the first call that reaches Redis after
writes were dropped empties it (``clear``) before anything else: the cache only ever holds
copies (sessions are in the database too), so emptying it loses nothing but speed. Give the
site a Redis database of its own (the ``/0`` of ``REDIS_URL``): ``clear`` empties all of it.

Only the errors of a Redis that cannot be reached are caught (``ConnectionError``, which
includes a Redis still loading its data, and ``TimeoutError``); any other error is a bug or a
misconfiguration and raises as before.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from lab.core.faults import ThrottledWarning

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
DEFAULT_RETRY_SECONDS = 5.0


class _RedisHealth:
    """What this process knows of one Redis. Django makes a cache object per thread, so the
    state lives here, shared by them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ask_again_at = 0.0  # time.monotonic() before which Redis is not asked
        self.lost_writes = 0
        self.warning = ThrottledWarning(logger, interval=60)


_health: dict[str, _RedisHealth] = {}
_health_lock = threading.Lock()


def _where(servers: list[str]) -> str:
    """The servers, without any password a URL holds, for the log."""
    places = []
    for server in servers:
        parts = urlsplit(server)
        places.append(f"{parts.hostname}:{parts.port or 6379}{parts.path}")
    return ", ".join(places)


class _Missing:
    """``incr``'s answer when Redis is unreachable: the key does not exist."""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool. Django makes a
    new one for every call, and redis-py 8 fills about 170 response callbacks into each: a
    tenth of a member's page request, which reads the cache three times (session, fragments).
    A ``redis.Redis`` on a connection pool is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that answers as an empty cache while
    Redis is unreachable (see the module docstring). Takes the options of ``RedisCache``, and
    ``RETRY_SECONDS``: how long to leave Redis alone after a failure."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self.where = _where(self._servers)
        with _health_lock:
            self._health = _health.setdefault(";".join(self._servers), _RedisHealth())

    def _call(self, method, fallback, *args, write: bool, **kwargs):
        health = self._health
        if time.monotonic() < health.ask_again_at:
            if write:
                with health.lock:
                    health.lost_writes += 1
            return self._fallback(fallback)
        try:
            if health.lost_writes:
                self._empty_after_outage()
            return method(*args, **kwargs)
        except UNREACHABLE as error:
            with health.lock:
                health.ask_again_at = time.monotonic() + self.retry_seconds
                if write:
                    health.lost_writes += 1
            health.warning.warning(
                "Redis cache at %s is unreachable (%s: %s): pages are served uncached and "
                "sessions read from the database; asking Redis again in %g s.",
                self.where,
                type(error).__name__,
                error,
                self.retry_seconds,
            )
            return self._fallback(fallback)

    @staticmethod
    def _fallback(fallback):
        if fallback is _Missing:
            raise ValueError("The cache is unreachable: no key exists.")
        return fallback

    def _empty_after_outage(self) -> None:
        health = self._health
        lost = health.lost_writes
        RedisCache.clear(self)  # raises while Redis is still unreachable
        with health.lock:
            health.lost_writes = max(0, health.lost_writes - lost)
        logger.warning(
            "Redis cache at %s answers again: emptied it, because %d write(s) to it were "
            "dropped while it was unreachable (pages or sessions could have been stale).",
            self.where,
            lost,
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version, write=True)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version, write=False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version, write=True)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version, write=True)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version, write=True)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version, write=False)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version, write=False)

    def incr(self, key, delta=1, version=None):
        return self._call(super().incr, _Missing, key, delta, version, write=True)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # The keys that could not be set: all of them.
        return self._call(super().set_many, list(data), data, timeout, version, write=True)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version, write=True)

    def clear(self):
        return self._call(super().clear, False, write=True)
