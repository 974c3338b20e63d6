"""Counting attempts in a store every process shares: failed logins per account and per
address, portal searches per address. Redis in production (several gunicorn workers and
hosts must see the same counts), a dictionary in this process for the demo and the tests.

A counter is (count, time of the last hit) and forgets itself `window` seconds after the
last hit. `delay(...)` turns a count into a growing wait."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis

from core.config import Settings


class Store(Protocol):
    def hit(self, key: str, window: float) -> tuple[int, float]:
        """Count one more; returns (count, now)."""

    def peek(self, key: str) -> tuple[int, float]:
        """(count, time of the last hit); (0, 0.0) when unknown or expired."""

    def clear(self, key: str) -> None: ...


class MemoryStore:
    """One process only: fine for `saae demo` and the tests."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[int, float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: float) -> tuple[int, float]:
        now = time.time()
        with self._lock:
            n, _last, expires = self._data.get(key, (0, 0.0, 0.0))
            n = n + 1 if expires > now else 1
            self._data[key] = (n, now, now + window)
            if len(self._data) > 100_000:  # a spray of random names cannot eat the memory
                self._data = {k: v for k, v in self._data.items() if v[2] > now}
        return n, now

    def peek(self, key: str) -> tuple[int, float]:
        n, last, expires = self._data.get(key, (0, 0.0, 0.0))
        return (n, last) if expires > time.time() else (0, 0.0)

    def clear(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisStore:
    """A hash per key (n, last) with a TTL, updated in one MULTI/EXEC."""

    def __init__(self, url: str) -> None:
        self._r = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, window: float) -> tuple[int, float]:
        now = time.time()
        k = "saae:throttle:" + key
        pipe = self._r.pipeline()
        pipe.hincrby(k, "n", 1)
        pipe.hset(k, "last", repr(now))
        pipe.expire(k, max(1, int(window)))
        n, _, _ = pipe.execute()
        return int(n), now

    def peek(self, key: str) -> tuple[int, float]:
        got = self._r.hgetall("saae:throttle:" + key)
        if not got:
            return 0, 0.0
        return int(got.get(b"n", 0)), float(got.get(b"last", 0.0))

    def clear(self, key: str) -> None:
        self._r.delete("saae:throttle:" + key)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store(settings: Settings) -> Store:
    """The configured store (one per URL and process)."""
    url = settings.throttle_url_or_default()
    with _stores_lock:
        if url not in _stores:
            _stores[url] = MemoryStore() if url == "memory" else RedisStore(url)
        return _stores[url]


def delay(count: int, free: int, base: float, cap: float) -> float:
    """Seconds to wait after the last failure: none for the first `free` failures, then
    base, 2 x base, 4 x base ... up to `cap`."""
    if count < free:
        return 0.0
    return min(cap, base * (2 ** min(count - free, 30)))


def wait_left(st: Store, key: str, free: int, base: float, cap: float) -> float:
    """Seconds still to wait before `key` may try again (0 = may try now)."""
    n, last = st.peek(key)
    if not n:
        return 0.0
    return max(0.0, last + delay(n, free, base, cap) - time.time())
