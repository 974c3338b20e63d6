"""How fast commercial.api answers "who lives in this area" (the incidents' fan-out input).

    .venv/bin/python bench/commercial_area.py [--connections 25000] [--area 5000]

Creates a scratch PostgreSQL database, migrates it, loads `--connections` consumers and
connections of which `--area` sit in one sector (SET-P), and times consumers_in_area by
sector, by neighbourhood and by polygon (best and median of 5 runs). Target: 5,000 contacts
in under 1 s. Prints the figures and drops the database.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _scratch import scratch_app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=25_000)
    ap.add_argument("--area", type=int, default=5_000)
    args = ap.parse_args()
    with scratch_app("saae_bench_area", "/tmp/saae-bench-area") as app:
        run(app, args)


def run(app, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from commercial import api
    from commercial.domain.documents import matricula_with_dv
    from commercial.models import Connection, Consumer
    from core.db import session, utcnow

    with app.app_context():
        now = utcnow()
        n = args.connections
        consumers = [{"name": f"Cliente {i}", "phones": ["(19) 99876-5432"],
                      "mobile": "+5519998765432", "email": None, "channels": ["sms"],
                      "consent": True, "invoice_by_email": False, "created_at": now,
                      "updated_at": now} for i in range(n)]
        ids = [r[0] for r in session.execute(
            insert(Consumer.__table__).returning(Consumer.__table__.c.id), consumers)]
        inside = set(range(args.area))
        conns = [{"number": 500_000 + i, "matricula": matricula_with_dv(500_000 + i),
                  "consumer_id": cid, "street": "Rua Boa Vista" if i in inside else "Rua Longe",
                  "house_number": str(i),
                  "neighbourhood": "Boa Vista" if i in inside else "Outro Bairro",
                  "city": "Vale Verde", "search_key": "rua boa vista boa vista",
                  "sector_code": "SET-P" if i in inside else "SET-Q", "segment_code": None,
                  "residencial": 1, "comercial": 0, "industrial": 0, "publica": 0, "social": 0,
                  "tariff_type": "normal", "has_sewer": True, "meter_telemetered": False,
                  "situation": "ativa", "direct_debit": False, "route_seq": i,
                  "latitude": -22.93 if i in inside else -22.80,
                  "longitude": -47.09 if i in inside else -47.00,
                  "created_at": now, "updated_at": now} for i, cid in enumerate(ids)]
        session.execute(insert(Connection.__table__), conns)
        session.commit()
        square = ((-22.94, -47.10), (-22.94, -47.08), (-22.92, -47.08), (-22.92, -47.10))
        print(f"{n:,} connections, {args.area:,} in the area")
        for label, area in (("sector", api.Area(sector_codes=("SET-P",))),
                            ("neighbourhood", api.Area(neighbourhoods=("boa vista",))),
                            ("polygon", api.Area(polygon=square))):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                got = api.consumers_in_area(area)
                runs.append(time.perf_counter() - t)
            print(f"consumers_in_area by {label:13s}: {len(got):,} contacts, best "
                  f"{min(runs) * 1000:.0f} ms, median {statistics.median(runs) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
