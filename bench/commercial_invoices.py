"""Invoice batch benchmark: N invoices computed with the quality block and their PDFs.

Target (issue 8): 25,000 invoices in at most 2 minutes on the 2-core machine, memory flat as
the batch grows. Builds a fresh PostgreSQL database with groups of 1,000 / 5,000 / 10,000 /
25,000 connections (seven months of readings each, two supply systems whose last month was
closed through the LIMS's own services), runs the real batch job (`batches.run_batch`: one
transaction, 2 render processes) for each group and prints a table:

    n, seconds, invoices/s, peak RSS of the batch process and of the render workers, and
    the CPU seconds of the batch process and of the render workers (CPU ms per invoice is
    the figure that does not depend on what else the machine is running; load1 says how
    busy it was).

Usage: .venv/bin/python bench/commercial_invoices.py [--sizes 1000,5000,10000,25000] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the project and bench/ itself: `_scratch` is found when run as a script and when a test imports
# this module as `bench.commercial_invoices` (tests/reliability/test_fault_invoice_batch.py)
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _scratch import scratch_database  # noqa: E402 (after the sys.path line)


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


class Sampler(threading.Thread):
    """Peak RSS of this process and of its worker processes, sampled every 0.25 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.main = 0.0
        self.workers = 0.0

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            self.main = max(self.main, rss_mb(me))
            kids = children(me)
            if kids:
                self.workers = max(self.workers, max(rss_mb(k) for k in kids))
            self.stop.wait(0.25)


def build(url: str, sizes: list[int], today: dt.date) -> dict[int, int]:
    """Groups of the given sizes with their connections and readings; returns size -> group id."""
    from sqlalchemy import insert

    from commercial import seed
    from commercial.domain.documents import matricula_with_dv
    from commercial.models import BillingGroup, Connection, Consumer, Reading
    from commercial.services import billing_parameters, tariffs
    from core import fmt
    from core.auth import Profile
    from core.db import session, utcnow
    from core.demo import SECTORS
    from core.org import Organization
    from saae.seed import create_user
    from tests.commercial.lims_month import close_lims_month

    s = session()
    s.add(Organization(name="Servico Autonomo de Agua e Esgoto de Vale Verde",
                       short_name="SAAE Vale Verde", cnpj="12345678000195", municipality="Vale Verde",
                       uf="SP", phone="(19) 3333-1000", website="www.saaevaleverde.sp.gov.br",
                       customer_service="Rua das Nascentes, 100 - 0800 770 1000",
                       surveillance_body="Vigilancia Sanitaria Municipal - (19) 3333-2000"))
    seed.seed_reference()
    tariffs.save_table("Tabela 2025", dt.date(today.year - 1, 1, 1), None, tariffs.tender_example_rows())
    billing_parameters.save_parameters({"febraban_company": "0123", "value_id": "6", "sms_days_before": 8,
                             "due_days_min": 5, "quality_months_back": 0, "pix_key": "12345678000195",
                             "pix_name": "SAAE VALE VERDE", "pix_city": "VALE VERDE",
                             "excess_percent": "30", "quality_more_info": "www.saaevaleverde.sp.gov.br/qualidade"})
    analyst = create_user("bench_an", "Analista", [Profile.ANALYST], "Senha#Forte2026")
    sup = create_user("bench_sup", "Supervisor", [Profile.SUPERVISOR], "Senha#Forte2026")
    s.commit()
    last_y, last_m = fmt.month_add(today.year, today.month, -1)
    for sysid in (1, 2):
        close_lims_month(sysid, last_y, last_m, analyst.id, sup.id, days=20, turbid_day=4)
        s.commit()
    rng = random.Random(25_000)
    groups = {}
    number = 10_000
    now = utcnow()
    for gi, n in enumerate(sizes, start=1):
        g = BillingGroup(number=gi, name=f"Grupo bench {n}", due_day=5)
        s.add(g)
        s.flush()
        groups[n] = g.id
        for start in range(0, n, 5000):
            k = min(5000, n - start)
            cons = [{"name": f"Cliente {number + i}", "phones": ["(19) 99876-5432"],
                     "mobile": "+5519998765432", "email": None, "channels": ["sms"],
                     "consent": True, "invoice_by_email": False, "created_at": now, "updated_at": now}
                    for i in range(k)]
            ids = [r[0] for r in s.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id), cons)]
            conns = []
            for i, cid in enumerate(ids):
                number += 1
                sec = SECTORS[i % len(SECTORS)]
                mixed = i % 17 == 0
                conns.append({
                    "number": number, "matricula": matricula_with_dv(number), "consumer_id": cid,
                    "billing_group_id": g.id, "street": sec.streets[i % len(sec.streets)],
                    "house_number": str(i % 1500 + 1), "complement": None,
                    "neighbourhood": sec.neighbourhoods[i % len(sec.neighbourhoods)], "city": "Vale Verde",
                    "cep": "13999-000", "search_key": "", "system_code": sec.system_code,
                    "system_id": 1 if sec.system_code == "SAA-SEDE" else 2, "sector_code": sec.code,
                    "segment_code": None, "residencial": 1 + (i % 23 == 0), "comercial": int(mixed),
                    "industrial": 0, "publica": 0, "social": 0, "tariff_type": "normal",
                    "has_sewer": i % 7 != 0, "meter_number": f"Y25A{number:06d}", "meter_diameter": '3/4"',
                    "meter_telemetered": i % 19 == 0, "situation": "ativa", "direct_debit": i % 9 == 0,
                    "route_seq": i, "latitude": sec.lat, "longitude": sec.lon,
                    "created_at": now, "updated_at": now})
            cids = [r[0] for r in s.execute(insert(Connection.__table__).returning(Connection.__table__.c.id), conns)]
            reads = []
            for cid in cids:
                value = rng.randint(100, 5000)
                prev = prev_day = None
                for back in range(6, -1, -1):
                    y, m = fmt.month_add(last_y, last_m, -back)
                    c = max(0, int(rng.gauss(16, 6)))
                    value += c
                    day = dt.date(y, m, 18)
                    reads.append({"connection_id": cid, "year": y, "month": m, "read_on": day,
                                  "value": value, "previous_value": prev, "previous_read_on": prev_day,
                                  "consumption": c, "kind": "real", "occurrence": None,
                                  "created_at": now, "updated_at": now})
                    prev, prev_day = value, day
            s.execute(insert(Reading.__table__), reads)
            s.commit()
    return groups


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,10000,25000")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the database and PDFs")
    args = ap.parse_args()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still drop the database
    sizes = [int(x) for x in args.sizes.split(",")]

    from core.config import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="bench-commercial-"))
    try:
        with scratch_database("bench_commercial", args.keep) as (_name, url):
            from saae.app import create_app

            app = create_app(Settings.from_env({}, env="test", database_url=url, data_dir=data_dir))
            today = dt.date.today()
            with app.app_context():
                t = time.perf_counter()
                groups = build(url, sizes, today)
                print(f"setup: {sum(sizes):,} connections, 7 months of readings, 2 LIMS months closed "
                      f"in {time.perf_counter() - t:.1f}s", flush=True)
                from commercial.services import batches
                from core import fmt
                from core.db import session

                last_y, last_m = fmt.month_add(today.year, today.month, -1)
                print(f"\n{'n':>7} {'seconds':>8} {'inv/s':>7} {'compute':>8} {'insert':>7} "
                      f"{'pdf wait':>8} {'RSS batch MB':>12} {'RSS worker MB':>13} {'PDF MB':>7} "
                      f"{'CPU main s':>10} {'CPU pdf s':>9} {'CPU ms/inv':>10} {'load1':>6}")
                for n in sizes:
                    batch = batches.request_batch(groups[n], last_y, last_m, issue_date=today, run=False)
                    session().commit()
                    sampler = Sampler()
                    sampler.start()
                    t = time.perf_counter()
                    cpu0 = os.times()
                    if os.environ.get("BENCH_PROFILE"):
                        import cProfile
                        import pstats

                        prof = cProfile.Profile(time.process_time)
                        fig = prof.runcall(batches.run_batch, batch.id, processes=args.processes)
                        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
                    else:
                        fig = batches.run_batch(batch.id, processes=args.processes)
                    took = time.perf_counter() - t
                    cpu1 = os.times()  # the render workers are joined by now: children's CPU
                    cpu_main = cpu1.user + cpu1.system - cpu0.user - cpu0.system
                    cpu_pdf = (cpu1.children_user + cpu1.children_system
                               - cpu0.children_user - cpu0.children_system)
                    sampler.stop.set()
                    sampler.join()
                    assert fig["invoices"] == n, fig
                    print(f"{n:>7,} {took:>8.1f} {n / took:>7.0f} {fig['compute']:>8.1f} "
                          f"{fig['insert']:>7.1f} {fig['pdf_wait']:>8.1f} {sampler.main:>12.0f} "
                          f"{sampler.workers:>13.0f} {fig['pdf_mb']:>7.1f} {cpu_main:>10.1f} "
                          f"{cpu_pdf:>9.1f} {(cpu_main + cpu_pdf) * 1000 / n:>10.2f} "
                          f"{os.getloadavg()[0]:>6.1f}", flush=True)
                    session.remove()
            if args.keep:
                print(f"kept: files in {data_dir}")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
