"""The demo's approved sampling plans and its samples walked through the cycle up to today."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import fmt
from core.audit import audit_context
from core.db import session
from lims.domain.samples import SampleState as S
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint
from lims.models.samples import Sample
from lims.services import plans

DEMO_JUSTIFICATION = ("Turbidez, cor, pH, cloro e fluoreto a cada 2 h na saída da ETA sao medidos "
                      "pelo operador no controle operacional (registro no supervisorio); o "
                      "laboratório analisa uma amostra diária de confirmação.")


# the half-yearly "demais parâmetros" the demo analyses at the plant's outlet (issue 19: the
# SISAGUA half-yearly form of the demo's last closed month has rows)
HALF_YEARLY = ["arsenio", "chumbo", "cadmio", "nitrato", "benzeno", "atrazina", "glifosato"]


def demo_plan(system: Any, year: int, gestor_id: int | None, half_year_month: int = 1) -> Any:
    have = plans.approved_plan(system.id, year)
    if have is not None:
        return have
    p = {x.code: x.id for x in session.scalars(select(Parameter))}
    pts = list(session.scalars(select(CollectionPoint).where(CollectionPoint.system_id == system.id)
                               .order_by(CollectionPoint.code)))
    plan = plans.create_plan(system.id, year, user_id=gestor_id)
    surface = system.source_type == "superficial"

    def add(codes: list[str], point: Any, freq: str, n: int | None = None, start: int = 1) -> None:
        for c in codes:
            plans.set_item(plan.id, parameter_id=p[c], point_id=point.id, frequency=freq,
                           custom_count=n, start_month=start, user_id=gestor_id)

    fq = ["turbidez", "cloro_residual_livre", "cor_aparente", "ph", "fluoreto"]
    micro = ["coliformes_totais", "escherichia_coli"]
    network = [x for x in pts if x.kind in ("reservatorio", "rede", "ponta_de_rede", "torneira")]
    for pt in pts:
        if pt.kind == "saida_tratamento":
            if surface:  # daily at the lab; every 2 h by the operator (justified below)
                add(fq, pt, "diaria")
                add(micro, pt, "2x_semana")
                add(["gosto_odor"], pt, "trimestral")
                add(HALF_YEARLY, pt, "semestral", start=(half_year_month - 1) % 6 + 1)
            else:
                add(fq[:2] + fq[3:], pt, "2x_semana")
                add(["cor_aparente"] + micro, pt, "semanal")
                add(["gosto_odor"], pt, "semestral")
        elif pt.kind == "captacao":
            add(["escherichia_coli"], pt, "mensal")
            add(["turbidez", "cor_aparente", "ph"], pt, "semestral")
        elif pt.kind == "poco" and pt.code.endswith("01"):
            add(["turbidez", "cor_aparente", "ph"], pt, "semestral")
    per_point = -(-plans.dom.per_occurrence(plans.dom.MinimumRule(
        "coliformes_totais", "rede", plans.dom.Frequency.MONTHLY, base=0, per_inhabitants=1000),
        system.population_served) // len(network))
    for pt in network:
        add(micro + ["turbidez", "cloro_residual_livre", "cor_aparente"], pt, "personalizada",
            per_point)
    far = next(x for x in network if x.kind == "ponta_de_rede")
    add(["trihalometanos_total", "acidos_haloaceticos_total"], far,
        "trimestral" if surface else "anual")
    ok = plans.minimum_check(plan.id).ok
    plans.approve(plan.id, user_id=gestor_id, justification="" if ok else DEMO_JUSTIFICATION)
    return plan


def field_readings(rnd: Any, kind: str) -> dict[str, str]:
    return {"cloro_residual_livre": fmt.number(rnd.uniform(0.6, 1.6), 2),
            "turbidez": fmt.number(rnd.uniform(0.1, 0.4 if kind == "saida_tratamento" else 1.5), 2),
            "ph": fmt.number(rnd.uniform(6.8, 7.6), 1), "temperatura": fmt.number(rnd.uniform(19, 26), 0)}


def walk_samples(today: dt.date, users: dict[str, int]) -> None:
    """Walk the demo's samples through the cycle up to today."""
    tz = fmt.zone()
    rnd = random.Random(888)
    where = {pid: (kind, lat, lon) for pid, kind, lat, lon in session.execute(
        select(CollectionPoint.id, CollectionPoint.kind, CollectionPoint.latitude,
               CollectionPoint.longitude))}
    collectors = [users.get("coletor"), users.get("coletor2") or users.get("coletor")]
    receiver = users.get("distribuidor") or users.get("analista")
    analysts = [users.get("analista"), users.get("analista2") or users.get("analista")]
    rows = list(session.scalars(select(Sample).where(Sample.state == S.SCHEDULED,
                                                     Sample.scheduled_for <= today)
                                .order_by(Sample.scheduled_for, Sample.point_id, Sample.slot)))
    now = dt.datetime.now(dt.UTC)
    today_done = 0
    with audit_context(reason="demonstração: ciclo das amostras"):
        for n, s in enumerate(rows):
            kind, lat, lon = where.get(s.point_id, ("rede", None, None))
            at = dt.datetime.combine(s.scheduled_for, dt.time(8, 0), tz) + dt.timedelta(
                minutes=20 * (n % 12) + 120 * s.slot)
            s.state = S.AWAITING_COLLECTION
            if s.scheduled_for == today:
                today_done += 1
                if today_done % 2 or at.astimezone(dt.UTC) > now:
                    continue  # still on today's route
            s.state = S.COLLECTED
            s.collected_at = at.astimezone(dt.UTC)
            s.collected_by_id = collectors[n % 2]
            if lat is not None and lon is not None:  # the phone's GPS, a few metres off
                s.latitude = round(lat + rnd.uniform(-0.0002, 0.0002), 6)
                s.longitude = round(lon + rnd.uniform(-0.0002, 0.0002), 6)
            s.field_readings = field_readings(rnd, kind)
            if s.scheduled_for == today or (s.scheduled_for == today - dt.timedelta(days=1)
                                            and n % 4 == 0):
                continue  # collected, on its way to the lab
            s.state = S.AWAITING_ANALYSIS
            s.received_at = (at + dt.timedelta(hours=3)).astimezone(dt.UTC)
            s.received_by_id = receiver
            s.arrival_temperature = Decimal(str(round(rnd.uniform(3.0, 8.0), 1)))
            if s.scheduled_for == today - dt.timedelta(days=1) and n % 4 == 1:
                continue  # received late yesterday: waiting for the distributor
            s.assigned_analyst_id = analysts[n % 2]
        session.flush()
