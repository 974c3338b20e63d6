"""Per-page timings of the citizens' site and its open data on the demo database.

    .venv/bin/python bench/portal_pages.py [--runs 5] [--history 12] [--keep]

Creates a scratch PostgreSQL database, migrates it, seeds the demo utility (`saae.seed.
seed_demo`: every area's demo data) and, with --history N, adds N earlier months of PUBLISHED
results at the demo's density (outlet daily, network twice a week, the six basic parameters),
so the 12-month trends have data, and closes those months through `close_month` (as the lab
does every month: the closed months are then read from the stored rows; only the open month
is computed). Then it requests every public page with the Flask test client: the first
request "cold" and then `--runs` requests with the registry memo cleared before each one
(there is no summary cache any more), printing min / median / max in milliseconds and
flagging pages over 300 ms. Finally a warm run (registry memo on) for reference. Drops the
database unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from _scratch import scratch_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_MS = 300.0


def add_history(months: int) -> int:
    """Earlier months of published results for every demo system and point (direct inserts,
    the shape lims.services.results.enter_result writes)."""
    from sqlalchemy import insert, select

    from core.db import session
    from lims import api as lims_api
    from lims.models.results import Result

    rnd = random.Random(5440)
    first_demo = session.scalars(select(Result.collected_on).order_by(Result.collected_on)
                                 .limit(1)).first() or dt.date.today().replace(day=1)
    now = dt.datetime.now(dt.UTC)
    std = {"turbidez": ("Turbidez", "uT", "<= 5,0 uT"), "cor_aparente": ("Cor aparente", "uH", "<= 15 uH"),
           "cloro_residual_livre": ("Cloro residual livre", "mg/L", "0,2 a 5,0 mg/L"),
           "fluoreto": ("Fluoreto", "mg/L", "<= 1,5 mg/L"),
           "coliformes_totais": ("Coliformes totais", "", "Ausência em 100 mL"),
           "escherichia_coli": ("Escherichia coli", "", "Ausência em 100 mL")}
    rows = []
    sid = 700_000_000
    for s in lims_api.systems():
        pts = [p for p in lims_api.points(s.id) if p.kind != "captacao"]
        day = first_demo - dt.timedelta(days=1)
        stop = (first_demo.replace(day=1) - dt.timedelta(days=months * 31)).replace(day=1)
        while day >= stop:
            for p in pts:
                if p.kind not in ("saida_tratamento", "poco") and day.weekday() not in (1, 3):
                    continue
                sid += 1
                at = dt.datetime.combine(day, dt.time(14, 0), dt.UTC)
                for code, (name, unit, standard) in std.items():
                    if code in ("coliformes_totais", "escherichia_coli"):
                        value, text = None, "Ausente"
                    else:
                        lo, hi = {"turbidez": (0.1, 1.2), "cor_aparente": (2, 9),
                                  "cloro_residual_livre": (0.5, 1.8), "fluoreto": (0.6, 0.85)}[code]
                        value = round(rnd.uniform(lo, hi), 2)
                        text = f"{value:.2f}".replace(".", ",")
                    rows.append(dict(
                        sample_id=sid, sample_code=f"HIST-{sid - 700_000_000:06d}", parameter_id=0,
                        parameter_code=code, parameter_name=name, point_id=p.id, point_kind=p.kind,
                        point_code=p.code, point_name=p.name, system_id=s.id, system_name=s.name,
                        collected_at=at, collected_on=day, is_recoleta=False, value=value,
                        value_text=text, qualifier="", unit=unit, analysed_at=at + dt.timedelta(hours=4),
                        verdict="conforme", standard=standard, state="publicado",
                        validated_at=at + dt.timedelta(hours=8), published_at=at + dt.timedelta(days=1),
                        created_at=now, updated_at=now))
            day -= dt.timedelta(days=1)
    for i in range(0, len(rows), 5000):
        session.execute(insert(Result), rows[i:i + 5000])
    session.commit()
    return len(rows)


def close_history(months: int) -> int:
    """Close the earlier months of every system (the demo closes only the previous one)."""
    from core.db import session
    from lims import api as lims_api
    from lims.services import closing

    t = dt.date.today()
    n = 0
    for s in lims_api.systems():
        for k in range(2, months + 2):
            y, m = divmod(t.year * 12 + t.month - 1 - k, 12)
            if closing.closing_of(s.id, y, m + 1) is None:
                closing.close_month(s.id, y, m + 1, user_id=None)
                n += 1
    session.commit()
    return n


def pages(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from commercial import api as commercial_api
    from incidents import api as incidents_api
    from lims import api as lims_api

    with app.app_context():
        systems = lims_api.systems()
        pts = [p for p in lims_api.points() if p.kind != "captacao"]
        hoods = commercial_api.neighbourhoods()
        try:
            notices = incidents_api.public_notices(active=None, limit=1)
        except NotImplementedError:
            notices = []
        loc = commercial_api.locate(hoods[0], 5)[0] if hoods else None
    t = dt.date.today()
    prev = (t.replace(day=1) - dt.timedelta(days=1))
    s = systems[0].id if systems else 1
    out = [("inicio", "/portal/"),
           ("minha agua (busca)", f"/portal/minha-agua?q={hoods[1] if len(hoods) > 1 else 'Centro'}"),
           ("sistema (minha agua)", f"/portal/sistemas/{s}?bairro={loc.neighbourhood if loc else ''}"
                                    f"&lat={loc.latitude or ''}&lon={loc.longitude or ''}"),
           ("ponto de coleta", f"/portal/pontos/{pts[0].id if pts else 1}"),
           ("mapa", "/portal/mapa"), ("parametros", "/portal/parametros"),
           ("relatorios", "/portal/relatorios"),
           ("relatorio mensal", f"/portal/relatorios/{s}/{prev.year}/{prev.month}"),
           ("relatorio mensal PDF", f"/portal/relatorios/{s}/{prev.year}/{prev.month}.pdf"),
           ("relatorio anual", f"/portal/relatorios/anual/{t.year}"),
           ("relatorio anual PDF", f"/portal/relatorios/anual/{t.year}.pdf"),
           ("relatorio anual (ano anterior)", f"/portal/relatorios/anual/{t.year - 1}"),
           ("avisos", "/portal/avisos"), ("dados abertos (dicionario)", "/portal/dados-abertos"),
           ("API resultados", "/api/v1/dados-abertos/resultados?por_pagina=100"),
           ("API resultados CSV", "/api/v1/dados-abertos/resultados?por_pagina=1000&formato=csv"),
           ("API resumos mensais", f"/api/v1/dados-abertos/resumos-mensais?ano={t.year}"),
           ("API avisos", "/api/v1/dados-abertos/avisos?situacao=todos"),
           ("API pontos", "/api/v1/dados-abertos/pontos")]
    if notices:
        out.append(("aviso", f"/portal/avisos/{notices[0].id}"))
    return out


def timed(client, url: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    resp = client.get(url)
    ms = (time.perf_counter() - t0) * 1000
    return ms, resp.status_code, len(resp.data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--history", type=int, default=12, help="earlier months of published results")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    with scratch_app("saae_bench_portal", keep=args.keep, config={"TESTING": True},
                     task_runner="inprocess", timeseries_url="sql") as app:
        t0 = time.perf_counter()
        with app.app_context():
            from saae.seed import seed_demo

            seed_demo(dt.date.today())
        print(f"demo seeded in {time.perf_counter() - t0:.1f} s")
        with app.app_context():
            from sqlalchemy import func, select

            from core.db import session
            from lims.models.results import Result

            n = add_history(args.history) if args.history else 0
            total = session.scalar(select(func.count(Result.id)))
            published = session.scalar(select(func.count(Result.id)).where(Result.state == "publicado"))
        print(f"history: {n} published results added; lims_result rows {total}, published {published}")
        with app.app_context():
            t0 = time.perf_counter()
            closed = close_history(args.history)
            print(f"closed {closed} earlier system-months with close_month in "
                  f"{time.perf_counter() - t0:.1f} s")
        from portal_publico import services

        client = app.test_client()
        urls = pages(app)
        def phase(title: str, before) -> float:  # type: ignore[no-untyped-def]
            print(f"\n{title}")
            print(f"{'page':30} {'status':>6} {'KB':>6} {'first':>7} {'min':>7} {'median':>7} {'max':>7}  ms")
            worst = 0.0
            for label, u in urls:
                before()
                first, status, size = timed(client, u)
                runs = []
                for _ in range(args.runs):
                    before()
                    runs.append(timed(client, u)[0])
                med = statistics.median(runs)
                worst = max(worst, med)
                flag = "  OVER 300 ms" if med > BUDGET_MS else ""
                print(f"{label:30} {status:>6} {size / 1024:>6.1f} {first:>7.1f} {min(runs):>7.1f} "
                      f"{med:>7.1f} {max(runs):>7.1f}{flag}")
            print(f"worst median: {worst:.1f} ms (budget {BUDGET_MS:.0f} ms)")
            return worst

        phase("A. cold: registry memo cleared before every request (closed months read from "
              "the stored rows, the open month computed)", services.clear_memo)
        phase("B. warm (registry memo on)", lambda: None)


if __name__ == "__main__":
    main()
