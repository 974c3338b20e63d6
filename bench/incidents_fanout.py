"""Incident fan-out benchmark: from a SCADA anomaly to every notice queued.

Targets (issue 7): p95 under 2 s from `AnomalyDetected` (committed in the outbox) to its
incident committed, and under 30 s from the anomaly to all the notices of 5,000 affected
consumers written and queued (`NoticeQueued` committed; sending itself is the workers' job).

Builds a fresh PostgreSQL database, migrates it, seeds the incidents reference data and N
consumers in one sector (a mix: WhatsApp, SMS, e-mail only, and some without any phone),
then:
  1. opens R incidents from R anomalies on different assets (tiny areas) and times each
     anomaly -> incident (one outbox delivery, as the worker does it);
  2. publishes one anomaly on the big sector and times anomaly -> incident -> notice queued.

Usage: .venv/bin/python bench/incidents_fanout.py [--consumers 5000] [--repeats 20] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _scratch import scratch_database  # noqa: E402 (after the sys.path line)


def build(n: int) -> None:
    from sqlalchemy import insert

    from commercial.domain.documents import matricula_with_dv
    from commercial.models import BillingGroup, Connection, Consumer
    from core.db import session, utcnow
    from incidents import demo, seed

    s = session()
    seed.seed_reference()
    demo.seed_technicians()
    g = BillingGroup(number=1, name="Grupo bench", due_day=5)
    s.add(g)
    s.flush()
    now = utcnow()
    cons = []
    for i in range(n):
        phone = None if i % 20 == 0 else f"(19) 9{8000_0000 + i:08d}"
        chans = ["email"] if i % 10 == 1 else (["sms"] if i % 3 == 0 else ["whatsapp"])
        cons.append({"name": f"Cliente {i}", "phones": [phone] if phone else [],
                     "mobile": None, "email": f"c{i}@example.com" if i % 10 in (0, 1) else None,
                     "channels": chans, "consent": True, "invoice_by_email": False,
                     "created_at": now, "updated_at": now})
    ids = [r[0] for r in s.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id), cons)]
    conns = [{"number": 50_000 + i, "matricula": matricula_with_dv(50_000 + i), "consumer_id": cid,
              "billing_group_id": g.id, "street": "Rua da Serra", "house_number": str(i + 1),
              "neighbourhood": "Alto da Serra", "city": "Vale Verde", "search_key": "",
              "sector_code": "SET-BIG", "residencial": 1, "situation": "ativa", "route_seq": i,
              "latitude": -22.89, "longitude": -47.05, "created_at": now, "updated_at": now}
             for i, cid in enumerate(ids)]
    s.execute(insert(Connection.__table__), conns)
    s.commit()


def anomaly(aid: int, asset: str, sector: str):  # type: ignore[no-untyped-def]
    from telemetry.events import AnomalyDetected

    return AnomalyDetected(anomaly_id=aid, tag=f"{asset}.PRESSAO", kind="limite", severity="alta",
                           started_at=dt.datetime.now(dt.UTC), asset_kind="setor", asset_code=asset,
                           asset_name=asset, value=6.0, message="pressao abaixo de 10 mca",
                           sector_code=sector, latitude=-22.9, longitude=-47.05)


def _cpu(backend: int) -> tuple[float, float]:
    """CPU seconds of this process and of its PostgreSQL backend (unlike wall time, hardly
    inflated by the other users of a shared machine)."""
    with open(f"/proc/{backend}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return time.process_time(), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send_all(session, incident_id: int, notice_id: int, n_msg: int,  # type: ignore[no-untyped-def]
             batch: int | None) -> None:
    from sqlalchemy import event, func, select, text

    from incidents import audit_file
    from incidents.models import Evidence, LocalOutbox, Message
    from incidents.services import delivery

    engine = session.get_bind()
    stmts: list[int] = []

    def count(*_a, **_k) -> None:  # type: ignore[no-untyped-def]
        stmts.append(1)

    backend = session.scalar(text("SELECT pg_backend_pid()"))
    c0 = _cpu(backend)
    event.listen(engine, "before_cursor_execute", count)
    t = time.perf_counter()
    sent = delivery.dispatch(notice_id, **({"batch": batch} if batch else {}))
    dt_send = time.perf_counter() - t
    event.remove(engine, "before_cursor_execute", count)
    c1 = _cpu(backend)
    same = session.scalar(text("SELECT pg_backend_pid()")) == backend
    session.rollback()
    left = session.scalar(select(func.count(Message.id)).where(
        Message.notice_id == notice_id, Message.status != "enviado"))
    at_provider = session.scalar(select(func.count(LocalOutbox.id)))
    distinct = session.scalar(select(func.count(func.distinct(LocalOutbox.reference))))
    links = session.scalar(select(func.count(Evidence.id)).where(
        Evidence.incident_id == incident_id, Evidence.message_id.is_not(None)))
    print(f"sending {sent:,} of {n_msg:,} messages through the local outbox provider: "
          f"{dt_send:.2f} s, {sent / dt_send:.0f}/s, {len(stmts):,} SQL statements "
          f"(target < 10 s); not 'enviado' {left}; at the provider {at_provider:,} "
          f"({distinct:,} distinct keys); evidence links of messages {links:,}")
    print(f"  CPU: this process {c1[0] - c0[0]:.2f} s + its PostgreSQL backend "
          f"{c1[1] - c0[1]:.2f} s" + ("" if same else " (the backend changed: its CPU is partial)"))
    t = time.perf_counter()
    problems = audit_file.verify_bundle(audit_file.bundle(incident_id))
    print(f"audit file of the incident verified in {time.perf_counter() - t:.2f} s: "
          f"{len(problems)} problems" + (f" (first: {problems[:3]})" if problems else ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--consumers", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--batch", type=int, default=None, help="messages per dispatch batch")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from core import tasks
    from core.config import Settings
    from core.events import publish
    from core.outbox import drain

    with scratch_database("bench_incidents", args.keep) as (_name, url):
        from saae.app import create_app
        from saae.wiring import SUBSCRIPTIONS

        app = create_app(Settings.from_env({}, env="test", database_url=url,
                                           data_dir=Path(tempfile.mkdtemp(prefix="bench-inc-"))))
        queued: list[tuple[str, dict]] = []
        tasks.set_backend(lambda path, kw: queued.append((path, kw)))  # sending is not timed
        subs = SUBSCRIPTIONS
        with app.app_context():
            from core.db import session
            from incidents.models import Incident, Message, Notice, TimelineEntry

            t = time.perf_counter()
            build(args.consumers)
            print(f"setup: {args.consumers:,} consumers in sector SET-BIG in {time.perf_counter() - t:.1f}s")

            # 1. anomaly -> incident, R times (small areas, so only the incident is timed)
            lat = []
            for i in range(args.repeats):
                publish(anomaly(1000 + i, f"SET-S{i:02d}", f"SET-S{i:02d}"))
                session.commit()
                t = time.perf_counter()
                drain(subs, limit=1)
                lat.append(time.perf_counter() - t)
                drain(subs)  # the rest (work order, empty notice) outside the timing
            lat.sort()
            p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
            print(f"anomaly -> incident ({args.repeats} runs): median {statistics.median(lat) * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms (target p95 < 2000 ms)")

            # 2. anomaly -> incident -> all notices queued for the big sector
            publish(anomaly(9999, "SET-BIG", "SET-BIG"))
            session.commit()
            t0 = time.perf_counter()
            drain(subs, limit=1)
            t_inc = time.perf_counter() - t0
            drain(subs)
            t_all = time.perf_counter() - t0
            inc = session.scalars(select(Incident).where(Incident.asset_code == "SET-BIG")).one()
            notice = session.scalars(select(Notice).where(Notice.incident_id == inc.id)).one()
            n_msg = session.scalar(select(func.count(Message.id)).where(Message.notice_id == notice.id))
            by_ch = dict(session.execute(select(Message.channel, func.count(Message.id))
                                         .where(Message.notice_id == notice.id).group_by(Message.channel)).all())
            no_phone = session.scalar(select(func.count(TimelineEntry.id)).where(
                TimelineEntry.incident_id == inc.id, TimelineEntry.kind == "log"))
            dispatches = [q for q in queued if q[1].get("notice_id") == notice.id]
            print(f"fan-out {args.consumers:,} consumers: incident in {t_inc * 1000:.0f} ms, all notices "
                  f"queued in {t_all:.2f} s (target < 30 s)")
            print(f"  messages {n_msg:,} {by_ch}; without a channel {notice.without_channel}; "
                  f"'Nao possui telefone' log lines {no_phone}; dispatch jobs enqueued {len(dispatches)}")

            # 3. sending all of them through the local outbox provider (issue 17: < 10 s),
            # then the incident's audit file verified message by message
            send_all(session, inc.id, notice.id, n_msg, args.batch)


if __name__ == "__main__":
    main()
