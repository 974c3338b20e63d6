"""Reception at the lab: 50 barcode scans in a row, as the USB scanner does them.

    .venv/bin/python bench/lims_reception.py [--n 50]

Creates a scratch PostgreSQL database, migrates it, builds one system with 8 points, a route
of 2 x N collected samples, then times N receptions in a row at the service level
(`lims.services.reception.receive`, one commit each) and N more through the HTTP endpoint
(POST /api/v1/lims/recepcao with the Flask test client and a bearer token), plus one second
scan (refused, nothing changes). Prints per-scan figures (mean, median, p95, max) and totals,
then drops the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from _scratch import scratch_app


def figures(label: str, ms: list[float]) -> None:
    ms_sorted = sorted(ms)
    p95 = ms_sorted[max(0, round(0.95 * len(ms)) - 1)]
    print(f"{label:<34} n={len(ms):>3}  total {sum(ms) / 1000:6.3f} s  mean {statistics.mean(ms):6.1f} ms"
          f"  median {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  max {max(ms):6.1f} ms")


def run(app, n: int, profile: bool = False) -> None:  # type: ignore[no-untyped-def]
    from core.auth import Profile, issue_token
    from core.db import session, utcnow
    from lims.domain.samples import SampleState
    from saae.seed import create_user

    t0 = time.perf_counter()
    with app.app_context():
        from lims.services import reception, routes
        from lims.services import samples as sample_svc
        from tests.lims.routes_world import add_samples, make_world

        day = dt.date.today()
        world = make_world(day, with_samples=False)
        while len(world.samples) < 2 * n:
            add_samples(world, day)
        collector = create_user("bench.coletor", "Coletor", [Profile.COLLECTOR], "Senha#Forte2026")
        receiver = create_user("bench.recepcao", "Recepcao", [Profile.DISTRIBUTOR], "Senha#Forte2026")
        session.commit()
        token = issue_token(receiver, "bench")
        session.commit()
        r = routes.build_route(day, collector.id, user_id=None)
        for st in r.stops:
            sample_svc.transition(st.sample_id, SampleState.COLLECTED, user_id=collector.id,
                                  collected_at=utcnow(), collected_by_id=collector.id)
        codes = [st.sample.code for st in r.stops]
        rid = receiver.id
        session.remove()
    print(f"setup: {len(codes)} collected samples in {time.perf_counter() - t0:.1f} s")

    with app.app_context():  # the service, as the reception screen calls it
        import cProfile
        import pstats

        from lims.services import reception

        prof = cProfile.Profile() if profile else None
        ms = []
        for code in codes[:n]:
            t = time.perf_counter()
            if prof:
                prof.enable()
            reception.receive(code, user_id=rid, arrival_temperature="4,5")
            if prof:
                prof.disable()
            ms.append((time.perf_counter() - t) * 1000)
        session.remove()
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    figures("service receive()", ms)

    client = app.test_client()
    hdr = {"Authorization": f"Bearer {token}"}
    ms = []
    for code in codes[n:2 * n]:
        t = time.perf_counter()
        resp = client.post("/api/v1/lims/recepcao", json={"codigo": code, "temperatura": "4,5"},
                           headers=hdr)
        ms.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.get_data(as_text=True)
    figures("HTTP POST /api/v1/lims/recepcao", ms)
    t = time.perf_counter()
    again = client.post("/api/v1/lims/recepcao", json={"codigo": codes[0]}, headers=hdr)
    print(f"second scan of {codes[0]}: HTTP {again.status_code} "
          f"{again.get_json()['error']['code']} in {(time.perf_counter() - t) * 1000:.1f} ms")
    with app.app_context():
        from lims.models.samples import Sample

        done = session.query(Sample).filter(Sample.state == SampleState.AWAITING_ANALYSIS).count()
        print(f"samples now AGUARDANDO ANALISE: {done} (expected {2 * n})")
        session.remove()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--profile", action="store_true", help="cProfile the service scans")
    args = ap.parse_args()
    with scratch_app("saae_bench_reception", config={"TESTING": True}, task_runner="inprocess",
                     timeseries_url="sql") as app:
        run(app, args.n, profile=args.profile)


if __name__ == "__main__":
    main()
