"""InfluxDB through the v1 HTTP API (see telemetry.storage)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import requests

from telemetry.connectors.base import Reading
from telemetry.storage.base import (
    EPOCH,
    MEASUREMENT,
    StoreHealth,
    StoreRejected,
    StoreUnavailable,
    check_aware,
    from_us,
    to_us,
)

log = logging.getLogger(__name__)


_TAG_ESCAPE = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\=", "\\": "\\\\"})


def escape_tag(value: str) -> str:
    return value.translate(_TAG_ESCAPE)


def line_protocol(readings: Sequence[Reading]) -> bytes:
    """Line protocol at microsecond precision, e.g. `reading,tag=PT-01 value=3.2 17...`."""
    esc = escape_tag
    out = []
    append = out.append
    for r in readings:
        d = r.ts - EPOCH
        us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
        if r.quality == "good" and not r.status:
            append(f"{MEASUREMENT},tag={esc(r.tag)} value={float(r.value)!r} {us}")
        else:
            extra = f',quality="{r.quality}"' if r.quality != "good" else ""
            if r.status:
                extra += f",status={r.status}i"
            append(f"{MEASUREMENT},tag={esc(r.tag)} value={float(r.value)!r}{extra} {us}")
    return ("\n".join(out)).encode()


class InfluxStorage:
    backend = "influxdb"

    def __init__(self, url: str, database: str = "saae", user: str = "", password: str = "",
                 timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._http = requests.Session()
        if user:
            self._http.auth = (user, password)
        self._lock = threading.Lock()
        self._db_ready = False

    # -- plumbing ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kw: Any) -> Any:
        try:
            with self._lock:  # requests.Session is not thread-safe
                resp = self._http.request(method, self.url + path, timeout=self.timeout, **kw)
        except requests.RequestException as exc:
            raise StoreUnavailable(f"InfluxDB inacessível em {self.url}: {exc.__class__.__name__}") from exc
        if resp.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB respondeu {resp.status_code}: {resp.text[:200]}")
        return resp

    def ensure_database(self) -> None:
        """CREATE DATABASE is idempotent in InfluxQL; run it once per process."""
        resp = self._request("POST", "/query", params={"q": f'CREATE DATABASE "{self.database}"'})
        if resp.status_code >= 400:
            # InfluxDB 2.x/3.x v1-compatibility endpoints do not create databases (the bucket
            # and its DBRP mapping are made by the administrator): go on and let writes tell
            log.warning("InfluxDB não criou o banco %s (%s): %s", self.database,
                        resp.status_code, resp.text[:200])
        self._db_ready = True

    def query(self, q: str) -> list[dict[str, Any]]:
        """Run one InfluxQL statement; the list of series of its first result."""
        if not self._db_ready:
            self.ensure_database()
        resp = self._request("GET", "/query",
                             params={"db": self.database, "q": q, "epoch": "u"})
        if resp.status_code >= 400:
            raise StoreRejected(f"InfluxDB recusou a consulta: {resp.text[:200]}")
        body = resp.json()
        results = body.get("results") or [{}]
        if "error" in results[0]:
            raise StoreRejected(f"InfluxDB: {results[0]['error']}")
        return results[0].get("series") or []

    # -- interface --------------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> int:
        if not readings:
            return 0
        return self.write_lines(line_protocol(readings), len(readings))

    def write_lines(self, body: bytes, count: int) -> int:
        if not self._db_ready:
            self.ensure_database()
        resp = self._request("POST", "/write", params={"db": self.database, "precision": "u"},
                             data=body, headers={"Content-Type": "text/plain; charset=utf-8"})
        if resp.status_code == 404:  # database dropped under us: recreate once, then retry
            self.ensure_database()
            resp = self._request("POST", "/write", params={"db": self.database, "precision": "u"},
                                 data=body)
        if resp.status_code >= 400:
            raise StoreRejected(f"InfluxDB recusou {count} leituras ({resp.status_code}): {resp.text[:300]}")
        return count

    @staticmethod
    def _q(value: str) -> str:
        return value.replace("\\", "\\\\").replace("'", "\\'")

    def _rows(self, series: list[dict[str, Any]], tag: str | None = None) -> list[Reading]:
        out = []
        for s in series:
            name = tag or (s.get("tags") or {}).get("tag", "")
            cols = s["columns"]
            it, iv = cols.index("time"), cols.index("value")
            iq = cols.index("quality") if "quality" in cols else None
            ist = cols.index("status") if "status" in cols else None
            for row in s.get("values") or []:
                if row[iv] is None:
                    continue
                q = (row[iq] if iq is not None else None) or "good"
                st = (row[ist] if ist is not None else None) or 0
                out.append(Reading(name, from_us(int(row[it])), float(row[iv]), q, int(st)))
        return out

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        check_aware(start, end)
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE \"tag\" = '{self._q(tag)}' "
             f"AND time >= {to_us(start)}u AND time < {to_us(end)}u ORDER BY time ASC")
        return self._rows(self.query(q), tag)

    def last(self, tag: str) -> Reading | None:
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE \"tag\" = '{self._q(tag)}' "
             f"ORDER BY time DESC LIMIT 1")
        rows = self._rows(self.query(q), tag)
        return rows[0] if rows else None

    def latest_per_tag(self, lookback: dt.timedelta = dt.timedelta(days=7)) -> dict[str, Reading]:
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE time > now() - "
             f"{int(lookback.total_seconds())}s GROUP BY \"tag\" ORDER BY time DESC LIMIT 1")
        return {r.tag: r for r in self._rows(self.query(q))}

    def count(self, tag: str | None = None, since: dt.datetime | None = None) -> int:
        """Number of stored readings (for checks and benchmarks)."""
        where = []
        if tag:
            where.append(f"\"tag\" = '{self._q(tag)}'")
        if since:
            where.append(f"time >= {to_us(since)}u")
        q = f"SELECT count(value) FROM {MEASUREMENT}" + (" WHERE " + " AND ".join(where) if where else "")
        series = self.query(q)
        return int(series[0]["values"][0][1]) if series else 0

    def health(self) -> StoreHealth:
        t0 = time.perf_counter()
        try:
            resp = self._request("GET", "/ping")
        except StoreUnavailable as exc:
            return StoreHealth(False, self.backend, str(exc))
        ms = (time.perf_counter() - t0) * 1000
        version = resp.headers.get("X-Influxdb-Version", "")
        ok = resp.status_code == 204
        return StoreHealth(ok, self.backend, f"InfluxDB {version} em {self.url}".strip(), round(ms, 1))

    def close(self) -> None:
        self._http.close()
