"""N logged-in users against the production server at the tender's scale (tender 8.2.1).

    .venv/bin/python bench/load_users.py [--users 30] [--think 0] [--duration 60]
        [--workers 4] [--db saae_bench_users] [--keep] [--code DIR]

1. Database: `--db` (default a fresh `saae_bench_users_xxxxxx`). With --keep an existing one of
   that name is reused (migrated to the head of the code under test), else it is built: the demo
   utility (`saae.seed.seed_demo`), consumers and connections up to `--connections` (25,000,
   the demo's own made-up people of commercial.demo.people over core.demo's sectors), a year of
   published results (bench/portal_pages.add_history) with its months closed through
   close_month, and the demo's incidents. Dropped at the end unless --keep.
2. Server: `gunicorn -w WORKERS -b 127.0.0.1:PORT saae.wsgi:app` as README's production section
   runs it (sync workers; `--threads N` serves gthread workers instead, for comparison), public
   pages kept per process `--public-cache` seconds as production does (0 = off;
   core/public_cache.py), one shared secret key, Celery task runner on a private Redis database nobody
   consumes, so no job runs inside a web worker; development env so the session cookie is not
   `Secure` on plain HTTP; portal search throttle lifted: every virtual user shares 127.0.0.1).
3. Load: `--users` threads, each its own account (bench.vuNN, supervisor + analyst + distributor
   + operator + commercial profiles) logged in through /entrar, requesting a weighted page mix:
   dashboard, sample list with filters, sample detail, incidents console, consumer search,
   portal home, "minha agua", monthly and annual reports, open-data JSON, health, and three
   writes (a reception scan, a result entry in the grid, a validation) from pools prepared
   before the run (an exhausted pool is reported, never retried). `--think` seconds of pause
   between requests (0 = none). Each user speaks HTTP/1.1 through `http.client` (class Http:
   ~0.4 ms of generator CPU per request where `requests` took ~1.1 ms on the same cores).
4. Prints per endpoint: count, errors, p50/p95/p99 ms; total requests/s; CPU seconds of the
   generator (this process), the web (gunicorn master + workers) and the database (the
   PostgreSQL backends connected to this database), read from /proc.

`--code DIR` serves (and builds with) another checkout, e.g. a worktree of main, for a
before/after on the same database and machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

import psycopg
import requests
from _scratch import drop_unless_kept

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "Carga#Usuarios2026"
SECRET = "bench-load-users-secret-key-0123456789abcdef"
CLK = os.sysconf("SC_CLK_TCK")

# (label, weight, kind): kind is a key of Vu.requests
MIX = [("dashboard", 10, "dashboard"), ("amostras (filtro)", 10, "sample_list"),
       ("amostra", 8, "sample_detail"), ("incidentes", 8, "incidents"),
       ("busca clientes", 8, "consumers"), ("portal inicio", 8, "portal_home"),
       ("minha agua", 8, "my_water"), ("relatorio mensal", 4, "monthly"),
       ("relatorio anual", 4, "annual"), ("dados abertos JSON", 8, "open_data"),
       ("saude", 4, "health"), ("recepcao (POST)", 4, "receive"),
       ("resultado (POST)", 4, "enter"), ("validacao (POST)", 4, "validate")]


# -- database --------------------------------------------------------------------------------

def db_exists(name: str) -> bool:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def make_app(url: str):  # type: ignore[no-untyped-def]
    from core.config import Settings
    from saae.app import create_app

    settings = Settings.from_env({}, env="test", database_url=url,
                                 data_dir=Path(tempfile.mkdtemp(prefix="saae-load-")),
                                 task_runner="inprocess", timeseries_url="sql")
    return create_app(settings, TESTING=True)


def add_people(total: int) -> int:
    """Consumers and connections up to `total`, as the demo makes them."""
    from sqlalchemy import func, insert, select

    from commercial.demo.people import connection_row, consumer_row
    from commercial.models import BillingGroup, Connection, Consumer
    from commercial.services import billing_groups
    from core.db import session, utcnow
    from core.demo import SECTORS

    have = session.scalar(select(func.count(Connection.id))) or 0
    if have >= total:
        return 0
    rng = random.Random(2512)
    group = session.scalars(select(BillingGroup).order_by(BillingGroup.id)).first()
    systems = billing_groups.systems_by_code()
    number = (session.scalar(select(func.max(Connection.number))) or 1000) + 10
    consumers, conns = [], []
    for i in range(total - have):
        sec = SECTORS[i % len(SECTORS)]
        number += 1
        consumer, econ = consumer_row(rng, sec.code, number)
        consumer["document"] = None  # made-up documents may repeat at this scale
        consumer["document_kind"] = None
        consumers.append({**consumer, "created_at": utcnow(), "updated_at": utcnow()})
        conns.append(connection_row(rng, sec, number, group.id, 100_000 + i, econ,
                                    systems.get(sec.system_code)))
    ids = [r[0] for r in session.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id),
                                         consumers)]
    for c, cid in zip(conns, ids, strict=True):
        c.update(consumer_id=cid, created_at=utcnow(), updated_at=utcnow())
    session.execute(insert(Connection.__table__), conns)
    session.commit()
    return len(conns)


def build(url: str, connections: int, history: int) -> None:
    from portal_pages import add_history, close_history  # bench/portal_pages.py

    app = make_app(url)
    t0 = time.perf_counter()
    with app.app_context():
        from saae.seed import seed_demo

        seed_demo(dt.date.today())
    print(f"demo seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    with app.app_context():
        t0 = time.perf_counter()
        n = add_people(connections)
        print(f"+{n:,} consumers and connections in {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        n = add_history(history)
        print(f"+{n:,} published results ({history} months) in {time.perf_counter() - t0:.0f} s",
              flush=True)
    with app.app_context():
        t0 = time.perf_counter()
        n = close_history(history)
        print(f"closed {n} system-months in {time.perf_counter() - t0:.0f} s", flush=True)
    analyze(url)


def analyze(url: str) -> None:
    """Planner statistics for the rows just loaded in bulk: autovacuum would gather them some
    time later; until then PostgreSQL plans the consumer search as a hash join over both
    25,000-row tables (141 ms) instead of walking the matricula index (1.7 ms)."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as c:
        c.execute("ANALYZE")


def bench_users(n: int) -> list[str]:
    """bench.vu01..vuNN, created once (one password hash shared by all)."""
    from sqlalchemy import select

    from core.auth import Profile, User
    from core.db import session
    from saae.seed import create_user

    have = set(session.scalars(select(User.username).where(User.username.like("bench.vu%"))))
    names = [f"bench.vu{i:03d}" for i in range(1, n + 1)]
    template = None
    for name in names:
        if name in have:
            continue
        u = create_user(name, f"Usuário de carga {name[-3:]}",
                        [Profile.SUPERVISOR, Profile.ANALYST, Profile.DISTRIBUTOR, Profile.OPERATOR,
                         Profile.MANAGER], PASSWORD if template is None else "x" * 12)
        if template is None:
            session.flush()
            template = u.password_hash
        u.password_hash = template
    session.flush()
    _grant_methods(names)
    session.commit()
    return names


def _grant_methods(names: list[str]) -> None:
    """Every bench user authorised for every active method, as the lab's Supervisor would
    (result entry refuses an analyst without the method's competence: issue 20)."""
    from sqlalchemy import select

    from core.auth import User
    from core.db import session
    from lims.models.methods import Competence, Method

    have = set(session.execute(select(Competence.user_id, Competence.method_id)).tuples())
    today = dt.date.today()
    for uid in session.scalars(select(User.id).where(User.username.in_(names))):
        for mid in session.scalars(select(Method.id).where(Method.active.is_(True))):
            if (uid, mid) not in have:
                session.add(Competence(user_id=uid, method_id=mid, granted_on=today,
                                       evidence="carga de teste", active=True))


NUMERIC = {"turbidez": "0,8", "cor_aparente": "5", "cloro_residual_livre": "1,2",
           "fluoreto": "0,7", "ph": "7,2"}


def _collected_pool(size: int, collector_id: int | None) -> list[str]:
    """Codes of COLETADA samples, at least `size`: the demo's, then copies of its samples
    (same point and parameters, no plan) collected today by 'coletor'."""
    from sqlalchemy import select

    from core.db import session, utcnow
    from lims.domain.samples import SampleState as S
    from lims.models.samples import Sample, SampleParameter

    codes = list(session.scalars(select(Sample.code).where(Sample.state == S.COLLECTED)))
    models = session.scalars(select(Sample).where(Sample.state == S.PUBLISHED)
                             .order_by(Sample.id).limit(50)).all()
    today = dt.date.today()
    for i in range(max(0, size - len(codes))):
        m = models[i % len(models)]
        code = f"CARGA-{uuid.uuid4().hex[:10].upper()}"
        s = Sample(code=code, state=S.COLLECTED, point_id=m.point_id, system_id=m.system_id,
                   section=m.section, scheduled_for=today, planned_for=today,
                   collected_at=utcnow(), collected_by_id=collector_id,
                   parameters=[SampleParameter(parameter_id=p.parameter_id) for p in m.parameters])
        session.add(s)
        codes.append(code)
    session.commit()
    return codes


def pools(size: int) -> dict[str, list]:
    """Work for the writes: collected samples to scan, (sample, parameter) cells to enter,
    results entered by 'analista' waiting for validation."""
    from sqlalchemy import select

    from core.auth import User
    from core.db import session
    from lims.models.results import Result, ResultState
    from lims.services import reception
    from lims.services import results as rs

    users = {u.username: u.id for u in session.scalars(select(User))}
    codes = _collected_pool(size, users.get("coletor"))

    def cells_now() -> list:
        return [(ref.id, p.code) for ref, ps in rs.awaiting_entry(None) for p in ps if p.code in NUMERIC]

    cells = cells_now()
    while len(cells) < 2 * size:  # receive some collected samples: cells to enter
        for code in codes[:20]:
            reception.receive(code, user_id=users.get("distribuidor"), arrival_temperature="4,5")
        session.commit()
        codes = _collected_pool(size, users.get("coletor"))
        cells = cells_now()
    random.Random(3).shuffle(cells)
    analyst = users.get("analista")
    # entered by 'analista' only: a virtual user may not validate what it entered itself
    # (separation of duties), and the writes of an earlier run were entered by the VUs
    entered = list(session.scalars(select(Result.id).where(Result.state == ResultState.ENTERED,
                                                           Result.entered_by_id == analyst)))
    extra = cells[size:size * 2]
    for sid, code in extra[:max(0, size - len(entered))]:  # enter as 'analista': VUs may validate
        try:
            entered += [r.id for r in rs.enter_grid(code, {sid: NUMERIC[code]}, user_id=analyst)]
        except Exception as exc:  # noqa: BLE001 - a cell that is not enterable is just skipped
            session.rollback()
            print(f"  (cell {sid}/{code} skipped: {exc})")
    session.commit()
    return {"receive": codes, "enter": cells[:size], "validate": entered}


def targets() -> dict[str, list]:
    """Ids and terms the read pages use."""
    from sqlalchemy import select

    from commercial import api as commercial_api
    from commercial.models import Connection, Consumer
    from core.db import session
    from lims import api as lims_api
    from lims.models.samples import Sample

    systems = [s.id for s in lims_api.systems()]
    sample_ids = list(session.scalars(select(Sample.id).order_by(Sample.id.desc()).limit(2000)))
    hoods = commercial_api.neighbourhoods()
    streets = list(session.scalars(select(Connection.street).distinct().limit(200)))
    names = [n.split()[-1] for n in session.scalars(select(Consumer.name).limit(200))]
    return {"systems": systems, "samples": sample_ids, "places": hoods + streets,
            "names": names}


# -- server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, code: Path, workers: int, port: int,
          extra: tuple[str, ...] = (), public_cache: int = 0) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
    env.update(SAAE_DATABASE_URL=url, SAAE_ENV="development", SAAE_SECRET_KEY=SECRET,
               SAAE_PUBLIC_CACHE_SECONDS=str(public_cache),
               SAAE_TASK_RUNNER="celery", SAAE_BROKER_URL="redis://127.0.0.1:6379/13",
               SAAE_TIMESERIES_URL="sql", SAAE_PORTAL_SEARCHES_PER_MINUTE="1000000",
               SAAE_DATA_DIR=tempfile.mkdtemp(prefix="saae-load-web-"),
               PYTHONPATH=str(code))
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", *extra, "saae.wsgi:app"], cwd=str(code),
                            env=env)
    deadline = time.time() + 300  # a loaded machine: 4 workers importing the app take a while
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/saude", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not answer /saude in 300 s")


def cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError):
            continue
    return total / CLK


def children(pid: int) -> list[int]:
    out = [pid]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError):
                continue
    return out


def db_backends(name: str) -> list[int]:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        return [r[0] for r in c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]


# -- virtual users ---------------------------------------------------------------------------

class Pools:
    def __init__(self, work: dict[str, list]) -> None:
        self.work = {k: list(v) for k, v in work.items()}
        self.lock = threading.Lock()

    def take(self, kind: str):  # type: ignore[no-untyped-def]
        with self.lock:
            return self.work[kind].pop() if self.work[kind] else None


def request_of(kind: str, r: random.Random, tg: dict[str, list], pools: Pools,
               month: tuple[int, int]) -> tuple[str, str, dict | None]:
    """(method, path, form) of one request of `kind` (a key of MIX's third column), its
    random choices from `r`; ('', '', None) when the pool of a write is empty. Also used by
    bench/web_cpu.py, so both benches request the same pages."""
    states = ("", "COLETADA", "AGUARDANDO ANALISE", "PUBLICADA", "AGUARDANDO VALIDACAO")
    reads = {
        "dashboard": "/",
        "sample_list": f"/lims/amostras?estado={r.choice(states)}&sistema={r.choice(tg['systems'])}",
        "sample_detail": f"/lims/amostras/{r.choice(tg['samples'])}",
        "incidents": "/incidentes",
        "consumers": f"/comercial/ligacoes?q={r.choice(tg['names'])}",
        "portal_home": "/portal/",
        "my_water": f"/portal/minha-agua?q={r.choice(tg['places'])}",
        "monthly": f"/portal/relatorios/{r.choice(tg['systems'])}/{month[0]}/{month[1]}",
        "annual": f"/portal/relatorios/anual/{month[0]}",
        "open_data": "/api/v1/dados-abertos/resultados?por_pagina=100",
        "health": "/saude",
    }
    if kind in reads:
        return "GET", reads[kind], None
    item = pools.take(kind)
    if item is None:
        return "", "", None
    if kind == "receive":
        return "POST", "/lims/recepcao", {"codigo": item, "temperatura": "4,5"}
    if kind == "enter":
        sid, code = item
        return "POST", "/lims/resultados/grade", {"parametro": code, f"valor_{sid}": NUMERIC[code]}
    return "POST", "/lims/validacao", {"resultado": str(item)}


class Http:
    """One virtual user's HTTP/1.1 client: its own connection (reopened when the server closes
    it, as gunicorn's sync workers do after each answer), its cookies, redirects of a GET
    followed. The generator shares the two cores with the server it measures; `requests`
    cost ~1.1 ms of CPU per request (hooks, adapters, a cookie jar per call), this ~0.3 ms,
    so the figures are the server's and not the load generator's."""

    def __init__(self, base: str, timeout: float = 60) -> None:
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname or "127.0.0.1", u.port or 80, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None,
                follow: bool = True) -> tuple[int, str, str]:
        """(status, final path or Location, body) of one request."""
        for _hop in range(5):
            status, location, body = self._once(method, path, form)
            if not (follow and method == "GET" and status in (301, 302, 303, 307) and location):
                return status, location or path, body
            path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
        return status, path, body

    def _once(self, method: str, path: str, form: dict | None) -> tuple[int, str, str]:
        path = urllib.parse.quote(path, safe="!#$%&'()*+,/:;=?@[]~")  # as requests sends it
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body, headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if resp.will_close:
            self.conn.close()
            self.conn = None
        return resp.status, resp.getheader("Location", ""), data.decode("utf-8", "replace")


class Vu:
    def __init__(self, base: str, username: str, tg: dict[str, list], pools: Pools, seed: int) -> None:
        self.tg, self.pools = tg, pools
        self.rng = random.Random(seed)
        self.http = Http(base)
        _s, _p, page = self.http.request("GET", "/entrar")
        status, where, _b = self.http.request("POST", "/entrar", {
            "username": username, "password": PASSWORD, "csrf_token": _csrf(page)}, follow=False)
        if status not in (302, 303) or "/entrar" in where:
            raise SystemExit(f"login of {username} failed: HTTP {status}")
        self.csrf = _csrf(self.http.request("GET", "/lims/recepcao")[2])
        today = dt.date.today()
        prev = today.replace(day=1) - dt.timedelta(days=1)
        self.month = (prev.year, prev.month)

    def request(self, kind: str) -> tuple[str, str, dict | None]:
        """(method, path, form) of one request of `kind`; ('', '', None) when its pool is empty."""
        return request_of(kind, self.rng, self.tg, self.pools, self.month)

    def run(self, until: float, think: float, stats: dict, lock: threading.Lock) -> None:
        labels = [m[0] for m in MIX]
        weights = [m[1] for m in MIX]
        kinds = {m[0]: m[2] for m in MIX}
        while time.time() < until:
            label = self.rng.choices(labels, weights)[0]
            method, path, form = self.request(kinds[label])
            if not method:
                with lock:
                    stats["_exhausted"][label] += 1
                continue
            t0 = time.perf_counter()
            try:
                if form is not None:
                    form["csrf_token"] = self.csrf
                    status, where, _b = self.http.request("POST", path, form, follow=False)
                    ok = status in (302, 303) and "erro" not in where
                else:
                    status, where, _b = self.http.request("GET", path)
                    ok = status == 200 and "/entrar" not in where
            except (OSError, http.client.HTTPException):
                ok = False
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                stats[label].append(ms)
                if not ok:
                    stats["_errors"][label] += 1
            if think:
                time.sleep(self.rng.uniform(0.5 * think, 1.5 * think))


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    if not m:
        raise SystemExit("no CSRF token on the page")
    return m.group(1)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


def drive(base: str, names: list[str], tg: dict, work: dict, args: argparse.Namespace,
          web_pid: int, dbname: str) -> None:
    pools = Pools(work)
    vus = [Vu(base, n, tg, pools, i) for i, n in enumerate(names[:args.users])]
    if args.warmup:  # every worker compiles its templates and fills its memos, unmeasured
        scratch: dict = defaultdict(list)
        scratch["_errors"], scratch["_exhausted"] = defaultdict(int), defaultdict(int)
        until = time.time() + args.warmup
        warm = [threading.Thread(target=v.run, args=(until, 0, scratch, threading.Lock())) for v in vus]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
    stats: dict = defaultdict(list)
    stats["_errors"] = defaultdict(int)
    stats["_exhausted"] = defaultdict(int)
    lock = threading.Lock()
    web = children(web_pid)
    backends = db_backends(dbname)
    cpu0 = (time.process_time(), cpu_of(web), cpu_of(backends))
    t0 = time.time()
    until = t0 + args.duration
    threads = [threading.Thread(target=v.run, args=(until, args.think, stats, lock)) for v in vus]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    backends = sorted(set(backends) | set(db_backends(dbname)))
    cpu = (time.process_time() - cpu0[0], cpu_of(web) - cpu0[1], cpu_of(backends) - cpu0[2])
    report(stats, wall, cpu, args)


def report(stats: dict, wall: float, cpu: tuple[float, float, float], args: argparse.Namespace) -> None:
    total = sum(len(v) for k, v in stats.items() if not k.startswith("_"))
    errors = sum(stats["_errors"].values())
    server = (f"gthread -w {args.workers} --threads {args.threads}" if args.threads
              else f"sync -w {args.workers}")
    print(f"\n{args.users} users, think {args.think:g} s, {wall:.0f} s; gunicorn {server}, "
          f"public cache {args.public_cache} s; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'endpoint':22} {'n':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7}  ms")
    for label, _w, _k in MIX:
        xs = stats.get(label) or []
        if not xs:
            print(f"{label:22} {0:>6} (pool exhausted: {stats['_exhausted'][label]})")
            continue
        print(f"{label:22} {len(xs):>6} {stats['_errors'][label]:>4} {pct(xs, 50):>7.1f} "
              f"{pct(xs, 95):>7.1f} {pct(xs, 99):>7.1f}"
              + (f"  (pool exhausted {stats['_exhausted'][label]}x)" if stats["_exhausted"][label] else ""))
    every = [x for k, v in stats.items() if not k.startswith("_") for x in v]
    print(f"{'ALL':22} {total:>6} {errors:>4} {pct(every, 50):>7.1f} {pct(every, 95):>7.1f} "
          f"{pct(every, 99):>7.1f}")
    print(f"throughput {total / wall:.1f} requests/s, errors {errors}")
    gen, web, db = cpu
    busy = gen + web + db or 1
    print(f"CPU s: generator {gen:.1f} ({gen / busy:.0%}), web {web:.1f} ({web / busy:.0%}), "
          f"database {db:.1f} ({db / busy:.0%}); {busy / wall:.2f} cores busy of {os.cpu_count()}")
    # what a request costs, whatever else the machine runs (a shared machine's queueing
    # inflates the latencies above, not these)
    print(f"CPU per request: web {web / max(total, 1) * 1000:.1f} ms, database "
          f"{db / max(total, 1) * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=30, help="virtual users (10, 30, 100)")
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between requests, s")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--warmup", type=float, default=15.0, help="seconds of unmeasured load first")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads per gunicorn gthread worker; 0 = sync workers (README's production)")
    ap.add_argument("--public-cache", type=int, default=60,
                    help="SAAE_PUBLIC_CACHE_SECONDS (production's default 60; 0 = off)")
    ap.add_argument("--db", default="", help="database name (reused with --keep)")
    ap.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    ap.add_argument("--connections", type=int, default=25_000)
    ap.add_argument("--history", type=int, default=12, help="months of published results")
    ap.add_argument("--pool", type=int, default=400, help="writes of each kind prepared")
    ap.add_argument("--no-upgrade", action="store_true",
                    help="leave the reused database at its revision (an older --code)")
    ap.add_argument("--code", default=str(Path(__file__).resolve().parents[1]),
                    help="checkout to build with and serve")
    args = ap.parse_args()
    code = Path(args.code).resolve()
    sys.path[:0] = [str(code), str(Path(__file__).resolve().parent)]
    name = args.db or f"saae_bench_users_{uuid.uuid4().hex[:6]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    reuse = args.keep and db_exists(name)
    if not reuse:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
    proc = None
    try:
        from saae.migrate import upgrade

        if not (reuse and args.no_upgrade):
            upgrade(url)
        if not reuse:
            build(url, args.connections, args.history)
        app = make_app(url)
        with app.app_context():
            names = bench_users(max(args.users, 100))
            work = pools(args.pool)
            tg = targets()
        from core import db as core_db

        core_db._engine.dispose()
        print(f"database {name}; pools: " + ", ".join(f"{k} {len(v)}" for k, v in work.items()),
              flush=True)
        port = free_port()
        worker = (("-k", "gthread", "--threads", str(args.threads)) if args.threads
                  else ("-k", "sync"))
        proc = serve(url, code, args.workers, port, worker, args.public_cache)
        drive(f"http://127.0.0.1:{port}", names, tg, work, args, proc.pid, name)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_unless_kept(name, args.keep)


if __name__ == "__main__":
    main()
