"""`seed_demo`: about 2,400 connections over core.demo's sectors, a tariff table, four months
of readings, an issued batch for last month and a scheduled one (with its SMS) for this month."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from commercial.demo import payments
from commercial.demo.people import connection_row, consumer_row
from commercial.models import (
    BillingGroup,
    Connection,
    Consumer,
    Invoice,
    MessageRule,
    Reading,
    ServiceCharge,
)
from commercial.services import batches, billing_groups, billing_parameters, delivery, tariffs
from core import fmt
from core.db import session, utcnow
from core.demo import SECTORS

log = logging.getLogger(__name__)


def _groups_and_table(today: dt.date) -> tuple[BillingGroup, BillingGroup]:
    s = session()
    g1 = BillingGroup(number=1, name="Grupo 1 - Sede", reading_day=18, processing_day=20, due_day=5)
    g2 = BillingGroup(number=2, name="Grupo 2 - Boa Vista e Sítio Novo", reading_day=22,
                      processing_day=24, due_day=10)
    s.add_all([g1, g2])
    s.flush()
    table_start = dt.date(today.year - 1, 1, 1)
    tariffs.save_table("Tabela 2025 (Resolução ARES 001)", table_start, None,
                       tariffs.tender_example_rows(), legal_basis="Resolução da agência reguladora")
    return g1, g2


def _people(rng: random.Random, connections: int, g1: BillingGroup,
            g2: BillingGroup) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Consumer and connection rows, sector by sector in proportion to the population."""
    systems = billing_groups.systems_by_code()
    total_pop = sum(sec.population for sec in SECTORS)
    consumers, conns = [], []
    number = 1000
    for sec in SECTORS:
        n_sec = round(connections * sec.population / total_pop)
        group = g1 if sec.system_code == "SAA-SEDE" else g2
        for i in range(n_sec):
            number += rng.randint(1, 3)
            consumer, econ = consumer_row(rng, sec.code, number)
            consumers.append(consumer)
            conns.append(connection_row(rng, sec, number, group.id, i, econ,
                                        systems.get(sec.system_code)))
    return consumers, conns


def _insert(consumers: list[dict[str, Any]], conns: list[dict[str, Any]]) -> list[int]:
    s = session()
    res = s.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id),
                    [{**c, "created_at": utcnow(), "updated_at": utcnow()} for c in consumers])
    ids = [r[0] for r in res]
    for c, cid in zip(conns, ids, strict=True):
        c["consumer_id"] = cid
    res = s.execute(insert(Connection.__table__).returning(Connection.__table__.c.id),
                    [{**c, "created_at": utcnow(), "updated_at": utcnow()} for c in conns])
    return [r[0] for r in res]


def _meter_readings(rng: random.Random, c: dict[str, Any], cid: int, months: list[tuple[int, int]],
                    group_day: int) -> list[dict[str, Any]]:
    """One connection's readings, month by month (the first is the baseline)."""
    out = []
    econ = c["residencial"] + c["comercial"] * 2 + c["industrial"] * 20 + c["publica"] * 6 + c["social"]
    base = max(3, rng.gauss(14, 5)) * max(econ, 1)
    value = rng.randint(100, 4000)
    prev_value = prev_day = None
    for k, (y, m) in enumerate(months):
        day = dt.date(y, m, group_day) + dt.timedelta(days=rng.randint(-1, 1))
        cons = 0 if c["situation"] == "cortada" else max(0, round(rng.gauss(base, base * 0.18)))
        if k == len(months) - 1 and rng.random() < 0.04:
            cons = round(base * rng.uniform(1.6, 2.5))  # a leak: excess message
        not_read = k > 0 and rng.random() < 0.02
        if not_read:
            out.append({"connection_id": cid, "year": y, "month": m, "read_on": day,
                        "value": None, "previous_value": prev_value,
                        "previous_read_on": prev_day, "consumption": round(base),
                        "kind": "media", "occurrence": "portao fechado"})
            continue
        value += cons
        out.append({"connection_id": cid, "year": y, "month": m, "read_on": day,
                    "value": value, "previous_value": prev_value if k else value - cons,
                    "previous_read_on": prev_day if k else day - dt.timedelta(days=30),
                    "consumption": cons, "kind": "real", "occurrence": None})
        prev_value, prev_day = value, day
    return out


def _readings(rng: random.Random, conns: list[dict[str, Any]], conn_ids: list[int],
              months: list[tuple[int, int]], g1: BillingGroup) -> int:
    readings = []
    for c, cid in zip(conns, conn_ids, strict=True):
        if c["situation"] == "suprimida":
            continue
        group_day = 18 if c["billing_group_id"] == g1.id else 22
        readings.extend(_meter_readings(rng, c, cid, months, group_day))
    for i in range(0, len(readings), 5000):
        session().execute(insert(Reading.__table__),
                          [{**r, "created_at": utcnow(), "updated_at": utcnow()}
                           for r in readings[i:i + 5000]])
    return len(readings)


def _extras(rng: random.Random, conn_ids: list[int], today: dt.date) -> None:
    """A few payment plans and services to bill; a location message; the billing parameters."""
    s = session()
    payments.seed_plans(rng, conn_ids, today)  # real plans with instalments
    for cid in rng.sample(conn_ids, 15):
        s.add(ServiceCharge(connection_id=cid, description="Religação de água", amount=Decimal("42.00")))
    s.add(MessageRule(kind="localizacao", title="Obras no Sítio Novo",
                      text="Obras de ampliação da rede na Estrada do Sítio Novo até dezembro: "
                           "pode haver baixa pressão entre 8h e 17h.", priority=35,
                      neighbourhoods=["Sítio Novo"], sector_codes=[]))
    p = billing_parameters.parameters()
    p.febraban_company, p.pix_key = "0123", "12345678000195"
    p.pix_name, p.pix_city = "SAAE VALE VERDE", "VALE VERDE"
    p.quality_more_info = "Relatório anual e resultados: www.saaevaleverde.sp.gov.br/qualidade"
    # the demo bills last month now that the lab has closed it, so the invoices carry that
    # month's own results (the demo LIMS has no data before last month)
    p.quality_months_back = 0
    s.flush()


def _batches(today: dt.date, last: tuple[int, int], g1: BillingGroup, g2: BillingGroup) -> None:
    for g in (g1, g2):
        batch = batches.request_batch(g.id, *last, issue_date=today, run=False)
        batches.run_batch(batch.id)
    # this month's batch of group 2, scheduled 8 days ahead: its SMS announcing the issue
    # date (and the direct-debit date) are due today
    p = billing_parameters.parameters()
    batches.request_batch(g2.id, today.year, today.month,
                          issue_date=today + dt.timedelta(days=p.sms_days_before), run=False)
    delivery.send_due_notices(today)


def seed_demo(today: dt.date, *, connections: int = 2400, run_batch: bool = True) -> None:
    """The demo's commercial data (idempotent: nothing when connections exist)."""
    s = session()
    if s.scalar(select(func.count(Connection.id))):
        return
    rng = random.Random(888)
    g1, g2 = _groups_and_table(today)
    consumers, conns = _people(rng, connections, g1, g2)
    conn_ids = _insert(consumers, conns)
    # four months of readings (the first is the baseline); "last month" is the billed one
    last = fmt.month_add(today.year, today.month, -1)
    months = [fmt.month_add(*last, d) for d in (-3, -2, -1, 0)]
    n_readings = _readings(rng, conns, conn_ids, months, g1)
    _extras(rng, conn_ids, today)
    if not run_batch:
        return
    _batches(today, last, g1, g2)
    payments.seed_returns(rng, today)  # the banks' return files of last month's invoices
    n_inv = s.scalar(select(func.count(Invoice.id)))
    log.info("commercial demo: %s connections, %s readings, %s invoices", len(conns), n_readings, n_inv)
