"""The public pages a process has just rendered, served again for a few seconds.

The citizens' site and the open data already declare their answers public
(`Cache-Control: public, max-age=120`: published data changes a few times a day), so any
proxy or browser may keep them that long. This keeps them in the web process itself, for
`settings.public_cache_seconds` at most (never longer than the answer's own max-age): the home
page, a report or the first page of open data asked again within that time costs a dictionary
look-up instead of its queries and its template (issue 17: a portal page cost 4-7 ms of CPU).

What is kept: GET answers 200 whose Cache-Control says `public` with a max-age and that set no
cookie, i.e. what the application itself told every shared cache it may keep. Never a staff
page (they are `no-store` or private), a form with a token, an error or a redirect. A request
with messages waiting in its session (a flash) is not served from here: its page shows them.

Where: after access control (a consultation-only user's read is still audited), before the
view. A public page neither refreshes nor writes a signed-in person's session (core.web: the
idle clock counts staff work), so they get the same public answer as everybody. Per process,
bounded in bytes, least recently used first out; `public_cache_seconds = 0` turns it off
(tests, development).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, request, session

MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)")
SKIP_HEADERS = {"content-length", "set-cookie", "date", "age"}


@dataclass(frozen=True)
class Kept:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    until: float
    born: float


class PublicCache:
    """Least-recently-used answers by URL, at most `max_bytes` of bodies; thread-safe."""

    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.seconds, self.max_bytes = seconds, max_bytes
        self._items: OrderedDict[str, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str, now: float) -> Kept | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept.until <= now:
                if kept is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return kept

    def put(self, key: str, kept: Kept) -> None:
        if len(kept.body) > self.max_bytes // 8:
            return  # one huge export would push out everything else
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = kept
            self._bytes += len(kept.body)
            while self._bytes > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._items.pop(key).body)


def init_app(app: Flask, *, seconds: float, megabytes: int) -> None:
    """Install after access control (its before_request runs after the ones before it)."""
    if seconds <= 0:
        return
    app.extensions["saae_public_cache"] = PublicCache(seconds, megabytes * 1024 * 1024)
    app.before_request(_serve)
    app.after_request(_keep)


def cache() -> PublicCache | None:
    return current_app.extensions.get("saae_public_cache")


def _key() -> str:
    return f"{request.host}{request.full_path}"


def _cacheable_request() -> bool:
    """A GET whose session holds no message to show and was not written by this request."""
    return request.method == "GET" and "_flashes" not in session and not session.modified


def _serve() -> Response | None:
    c = cache()
    if c is None or not _cacheable_request():
        return None
    now = time.monotonic()
    kept = c.get(_key(), now)
    if kept is None:
        return None
    resp = Response(kept.body, status=kept.status, headers=list(kept.headers))
    resp.headers["Age"] = str(int(now - kept.born))
    request.environ["saae.public_cache"] = "hit"
    return resp


def _keep(resp: Response) -> Response:
    c = cache()
    if c is None or not _cacheable_request():
        return resp
    if request.environ.get("saae.public_cache") == "hit":
        return resp.make_conditional(request)
    seconds = _public_seconds(resp)
    if seconds > 0 and not resp.headers.get("Set-Cookie"):
        now = time.monotonic()
        body = resp.get_data()
        headers = tuple((k, v) for k, v in resp.headers.items() if k.lower() not in SKIP_HEADERS)
        c.put(_key(), Kept(resp.status_code, headers, body, now + min(seconds, c.seconds), now))
    return resp


def _public_seconds(resp: Response) -> int:
    """The max-age of a 200 GET answer marked public, else 0."""
    if resp.status_code != 200 or resp.is_streamed or resp.direct_passthrough:
        return 0
    control = resp.headers.get("Cache-Control", "").lower()
    parts = {p.strip().split("=", 1)[0] for p in control.split(",")}
    if "public" not in parts or parts & {"no-store", "private", "no-cache"}:
        return 0
    m = MAX_AGE.search(control)
    return int(m.group(1)) if m else 0
