"""Time to close a month with a year of lab results in the database (PostgreSQL).

    .venv/bin/python bench/lims_closing.py [--systems 2] [--scale 1.0]

Creates a scratch PostgreSQL database, migrates it, loads 12 months of VALIDATED results for
`--systems` systems shaped like the demo's Sistema Sede (48,000 people, surface water,
filtracao rapida): at the treatment outlet turbidity / free chlorine / colour / fluoride / pH
every 2 h (360 a month each) and total coliforms + E. coli 8 a month; in the network total
coliforms, E. coli, free chlorine, turbidity and colour 48 a month each, with a few positives
and recoletas; network chlorine and turbidity are half field readings (method "campo"). Then it
times, for the last month: the pre-closing report, close_month (report + stored summary rows +
lock + MonthClosed + auto-publication of the month), quality_summary of the CLOSED month (the
invoice / portal call, read from the stored rows; target < 5 ms median) and of an OPEN month
(computed live), and published_results. Prints the figures and drops the database.

The closed month's results belong to real VALIDADA samples (the parameters collected at one
point at one moment share a sample; --one-sample-per-result: one each, the worst case for the
sample transitions), so auto-publication moves results and samples and writes
their audit rows as in production. close_month is split into the report (scope_report) and
the rest (stored rows, lock, publication, audit), each with its SQL statement count
(target, issue 17: the rest < 150 ms with 2,056 results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal
from typing import Any

from _scratch import scratch_app
from sqlalchemy import text

OUTLET = [("turbidez", "Turbidez", "uT", 360), ("cloro_residual_livre", "Cloro residual livre",
          "mg/L", 360), ("cor_aparente", "Cor aparente", "uH", 360),
          ("fluoreto", "Fluoreto", "mg/L", 360), ("ph", "pH", "", 360),
          ("coliformes_totais", "Coliformes totais", "", 8),
          ("escherichia_coli", "Escherichia coli", "", 8)]
NETWORK = [("coliformes_totais", "Coliformes totais", "", 48),
           ("escherichia_coli", "Escherichia coli", "", 48),
           ("cloro_residual_livre", "Cloro residual livre", "mg/L", 48),
           ("turbidez", "Turbidez", "uT", 48), ("cor_aparente", "Cor aparente", "uH", 48)]


def value_for(code: str, rnd: random.Random) -> tuple[Decimal | None, str, str, str]:
    """(value, text, qualifier, verdict)"""
    if code in ("coliformes_totais", "escherichia_coli"):
        pos = rnd.random() < (0.02 if code == "coliformes_totais" else 0.002)
        return None, "Presente" if pos else "Ausente", "PRESENCA" if pos else "AUSENCIA", (
            "nao_conforme" if pos else "conforme")
    lo, hi, vmax, vmin = {"turbidez": (0.1, 0.6, 5.0, None), "cloro_residual_livre": (0.3, 2.0, 5.0, 0.2),
                          "cor_aparente": (1, 12, 15, None), "fluoreto": (0.6, 0.9, 1.5, None),
                          "ph": (6.5, 7.8, 9.0, 6.0)}[code]
    v = Decimal(str(round(rnd.uniform(lo, hi), 2)))
    ok = v <= Decimal(str(vmax)) and (vmin is None or v >= Decimal(str(vmin)))
    return v, str(v).replace(".", ","), "", "conforme" if ok else "nao_conforme"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--one-sample-per-result", action="store_true")
    args = ap.parse_args()
    with scratch_app("saae_bench_closing", "/tmp/saae-bench-closing") as app:
        run(app, args)


def run(app, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, insert, select

    from core.db import session, utcnow
    from lims import api
    from lims.models.results import Result, ResultState
    from lims.services import closing

    rnd = random.Random(888)
    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    months = []
    y, m = last.year, last.month
    for _ in range(12):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    with app.app_context():
        from lims.models.registry import SupplySystem

        for system_id in range(1, args.systems + 1):  # the registry rows the readers name
            session.add(SupplySystem(id=system_id, code=f"BENCH-{system_id}",
                                     name=f"Sistema {system_id}", population_served=48_000,
                                     neighbourhoods=[]))
        session.commit()
        t0 = time.perf_counter()
        sample_id = 0
        samples: dict[tuple[Any, ...], int] = {}
        now = utcnow()
        for system_id in range(1, args.systems + 1):
            for (yy, mm) in months:
                rows = []
                ndays = closing.days_in(yy, mm)
                for where, plan in (("saida_tratamento", OUTLET), ("rede", NETWORK)):
                    for pi, (code, pname, unit, n) in enumerate(plan):
                        for k in range(int(n * args.scale)):
                            day = 1 + (k * ndays) // max(1, int(n * args.scale))
                            at = dt.datetime(yy, mm, day, 8 + k % 10, tzinfo=dt.UTC)
                            point_id = system_id * 100 + (k % 12 if where == "rede" else 99)
                            # one sample per point and moment (the parameters collected
                            # together share it), or one per result with
                            # --one-sample-per-result (the worst case for the transitions)
                            skey = (point_id, at, pi if args.one_sample_per_result else -1)
                            if skey not in samples:
                                sample_id += 1
                                samples[skey] = sample_id
                            v, text, q, verdict = value_for(code, rnd)
                            rows.append(dict(
                                sample_id=samples[skey],
                                sample_code=f"S{system_id}-{samples[skey]}",
                                parameter_id=pi + (100 if where == "rede" else 0),
                                parameter_code=code, parameter_name=pname,
                                point_id=point_id,
                                point_kind=where, point_code="P", point_name="Ponto",
                                system_id=system_id, system_name=f"Sistema {system_id}",
                                collected_at=at, collected_on=at.date(),
                                is_recoleta=where == "rede" and k % 47 == 46,
                                value=v, value_text=text, qualifier=q, unit=unit,
                                analysed_at=at + dt.timedelta(hours=4), verdict=verdict,
                                standard="", state=ResultState.VALIDATED.value,
                                method="campo" if where == "rede" and code in (
                                    "cloro_residual_livre", "turbidez") and k % 2 else None,
                                validated_at=now, created_at=now, updated_at=now,
                                outside_plausible_confirmed=False, nonconformity_notified=False))
                session.execute(insert(Result), rows)
        session.commit()
        _samples_for(session, months[0], args.systems)
        load_s = time.perf_counter() - t0
        total = session.scalar(select(func.count()).select_from(Result))
        print(f"loaded {total:,} validated results ({args.systems} systems x 12 months) "
              f"in {load_s:.1f} s")
        y, m = months[0]
        month_rows = session.scalar(select(func.count()).select_from(Result).where(
            Result.system_id == 1, Result.collected_on >= dt.date(y, m, 1),
            Result.collected_on <= last))
        kw = dict(population=48_000, treatment_type="filtracao_rapida", required={}, planned={},
                  collected={})
        timings: dict[str, list[float]] = {"pre_closing": [], "close_month": [],
                                           "quality_summary closed": [],
                                           "quality_summary open": [], "published_results": []}
        for _rep in range(5):
            t = time.perf_counter()
            closing.pre_closing(1, y, m, **kw)
            timings["pre_closing"].append(time.perf_counter() - t)
        split = _Split(session.get_bind(), closing)
        for system_id in range(1, args.systems + 1):
            t = time.perf_counter()
            with split:
                closing.close_month(system_id, y, m, user_id=None, auto_publish=True, **kw)
            timings["close_month"].append(time.perf_counter() - t)
        split.print()
        oy, om = months[1]  # an earlier month left open: computed live
        for _rep in range(50):
            t = time.perf_counter()
            q = api.quality_summary(1, y, m)
            timings["quality_summary closed"].append(time.perf_counter() - t)
        assert q.closed
        for _rep in range(5):
            t = time.perf_counter()
            api.quality_summary(1, oy, om, published_only=False)
            timings["quality_summary open"].append(time.perf_counter() - t)
            t = time.perf_counter()
            api.published_results(system_id=1, limit=100)
            timings["published_results"].append(time.perf_counter() - t)
        print(f"month {m:02d}/{y}: {month_rows:,} results of system 1 in the closed month")
        for k, v in timings.items():
            print(f"{k:24s} median {statistics.median(v) * 1000:8.1f} ms   max {max(v) * 1000:8.1f} ms"
                  f"   (n={len(v)})")
        from sqlalchemy import event

        engine = session.get_bind()
        stmts: list[str] = []

        def count(*_a, **_k) -> None:  # type: ignore[no-untyped-def]
            stmts.append("q")

        event.listen(engine, "before_cursor_execute", count)
        api.quality_summary(1, y, m)
        event.remove(engine, "before_cursor_execute", count)
        print(f"quality_summary closed   {len(stmts)} SQL statements per system-month")
        print("verdicts:", {p.parameter_code: p.verdict for p in q.parameters})
        print("field readings counted:", {p.parameter_code: p.field_readings for p in q.parameters
                                          if p.field_readings})
        print(f"targets: close_month < 10 s: {max(timings['close_month']):.2f} s; "
              "quality_summary of a closed month < 5 ms median: "
              f"{statistics.median(timings['quality_summary closed']) * 1000:.2f} ms")


def _samples_for(session, month: tuple[int, int], systems: int) -> None:  # type: ignore[no-untyped-def]
    """One VALIDADA lims_sample per result of the closed month (and the points they need)."""
    from sqlalchemy import insert, select

    from core.db import utcnow
    from lims.models.registry import CollectionPoint
    from lims.models.results import Result
    from lims.models.samples import Sample

    y, m = month
    now = utcnow()
    for system_id in range(1, systems + 1):
        session.execute(insert(CollectionPoint), [dict(
            id=system_id * 100 + k, code=f"P{system_id}-{k}", name="Ponto", system_id=system_id,
            kind="saida_tratamento" if k == 99 else "rede", photos=[], active=True,
            created_at=now, updated_at=now) for k in (*range(12), 99)])
    rows = session.execute(select(Result.sample_id, Result.sample_code, Result.point_id,
                                  Result.system_id, Result.collected_on, Result.collected_at)
                           .order_by(Result.sample_id).where(Result.collected_on >= dt.date(y, m, 1),
                                  Result.collected_on < dt.date(y + (m == 12), m % 12 + 1, 1))).all()
    rows = list({r.sample_id: r for r in reversed(rows)}.values())  # a sample's first result
    session.execute(insert(Sample), [dict(
        id=r.sample_id, code=r.sample_code, state="VALIDADA", point_id=r.point_id,
        system_id=r.system_id, scheduled_for=r.collected_on, slot=0, is_recoleta=False,
        collected_at=r.collected_at, field_readings={}, reprogram_count=0,
        created_at=now, updated_at=now) for r in rows])
    session.commit()


class _Split:
    """close_month split into the report (scope_report) and the rest: time and statements."""

    def __init__(self, engine, closing) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.closing, self.original = engine, closing, closing.scope_report
        self.in_report = False
        self.figures: list[dict[str, Any]] = []
        self.slowest: dict[str, tuple[float, complex]] = {}

    def _count(self, _conn, _cursor, statement, *_a, **_k) -> None:  # type: ignore[no-untyped-def]
        self.cur["report_sql" if self.in_report else "rest_sql"] += 1
        self.t_stmt = (statement, time.perf_counter(), self._cpu())

    def _done(self, *_a, **_k) -> None:  # type: ignore[no-untyped-def]
        statement, t, c = self.t_stmt
        if not self.in_report:
            key = " ".join(statement.split())[:70]
            wall, cpu = self.slowest.get(key, (0.0, 0j))
            self.slowest[key] = (wall + time.perf_counter() - t, cpu + self._cpu() - c)

    def _cpu(self) -> complex:
        """CPU seconds of this process (real part) and of its PostgreSQL backend (imaginary
        part): unlike wall time, hardly inflated by the other users of a shared machine."""
        with open(f"/proc/{self.backend}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return complex(time.process_time(),
                       (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))

    def _report(self, *a, **k):  # type: ignore[no-untyped-def]
        self.in_report = True
        t, c = time.perf_counter(), self._cpu()
        try:
            return self.original(*a, **k)
        finally:
            self.cur["report_s"] += time.perf_counter() - t
            self.cur["report_cpu"] += self._cpu() - c
            self.in_report = False

    def __enter__(self) -> None:
        from sqlalchemy import event

        from core.db import session

        self.backend = session.scalar(text("SELECT pg_backend_pid()"))
        self.cur = {"report_s": 0.0, "report_sql": 0, "rest_sql": 0, "report_cpu": 0j,
                    "t0": time.perf_counter(), "c0": self._cpu()}
        self.closing.scope_report = self._report
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(self.engine, "after_cursor_execute", self._done)

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)
        event.remove(self.engine, "after_cursor_execute", self._done)
        self.closing.scope_report = self.original
        self.cur["total_s"] = time.perf_counter() - self.cur.pop("t0")
        self.cur["total_cpu"] = self._cpu() - self.cur.pop("c0")
        self.figures.append(self.cur)

    def print(self) -> None:
        for i, f in enumerate(self.figures, 1):
            rest = f["total_s"] - f["report_s"]
            print(f"close_month system {i}: total {f['total_s'] * 1000:7.1f} ms = report "
                  f"{f['report_s'] * 1000:7.1f} ms ({f['report_sql']} SQL) + rest "
                  f"{rest * 1000:7.1f} ms ({f['rest_sql']} SQL; target < 150 ms)")
            rest_cpu = f["total_cpu"] - f["report_cpu"]
            print(f"  CPU, this process + its PostgreSQL backend: report "
                  f"{f['report_cpu'].real * 1000:.0f} + {f['report_cpu'].imag * 1000:.0f} ms, rest "
                  f"{rest_cpu.real * 1000:.0f} + {rest_cpu.imag * 1000:.0f} ms")
        top = sorted(self.slowest.items(), key=lambda kv: -kv[1][0])[:6]
        print("  the rest's slowest statements (all systems: wall time in the driver; CPU of "
              "this process + its backend):")
        for stmt, (secs, cpu) in top:
            print(f"  {secs * 1000:8.1f} ms ({cpu.real * 1000:4.0f} + {cpu.imag * 1000:4.0f} ms)  {stmt}")


if __name__ == "__main__":
    main()
