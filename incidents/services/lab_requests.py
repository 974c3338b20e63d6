"""A consumer's water-quality complaint (taste, colour, odour) reaches the laboratory: an
extra sample at the collection point nearest to the complaint (lims.api, the same request the
incidents' quality loop makes, without the downstream points), recorded on the request."""

from __future__ import annotations

import logging
from typing import Any

from core.audit import audit_context
from core.db import session
from incidents.domain import haversine_km
from incidents.domain import requests as rules
from incidents.models import ServiceRequest
from incidents.services.connection_orders import event
from lims import api as lims_api
from lims.events import ExtraSampleValidated

log = logging.getLogger(__name__)
# what reaches a tap: the network's points before the plant's (lims PointInfo.kind)
NETWORK_KINDS = frozenset({"rede", "ponta_de_rede", "torneira", "reservatorio"})


def ref_of(request_id: int) -> str:
    return f"solicitacao:{request_id}"


def ask_extra_sample(req: ServiceRequest, system_id: int | None) -> list[dict[str, Any]]:
    """Ask once; no point with a position (or no position for the complaint): nothing asked,
    an internal history line says why."""
    every = lims_api.points(system_id)
    pts = [p for p in every if p.kind in NETWORK_KINDS] or every
    point_id = rules.nearest(((p.id, p.latitude, p.longitude) for p in pts), req.latitude,
                             req.longitude, haversine_km)
    if point_id is None:
        event(req.id, "Laboratório: sem ponto de coleta próximo conhecido; a coleta será programada "
                      "pela equipe de qualidade.", public=False)
        return []
    rows = [{"sample_id": s.sample_id, "sample_code": s.sample_code, "point_code": s.point_code,
             "point_name": s.point_name, "scheduled_for": s.scheduled_for.isoformat()}
            for s in lims_api.request_extra_samples(
                point_id, ref=ref_of(req.id), downstream=False,
                reason=f"reclamação de qualidade {req.protocol}: {req.description[:200]}")]
    with audit_context(reason="amostra extra pedida ao laboratório"):
        req.extra_samples = rows
        session.flush()
    if rows:
        event(req.id, f"Laboratório: coleta extra pedida no ponto {rows[0]['point_name']}.")
    return rows


def sample_validated(ev: ExtraSampleValidated) -> ServiceRequest | None:
    """The laboratory validated a complaint's sample: its verdict on the request (once) and on
    the public history, in words the requester reads."""
    if not ev.ref.startswith("solicitacao:"):
        return None
    req = session.get(ServiceRequest, int(ev.ref.split(":", 1)[1]))
    rows = [dict(r) for r in (req.extra_samples or [])] if req is not None else []
    row = next((r for r in rows if r.get("sample_id") == ev.sample_id), None)
    if row is None or "conforming" in row:
        return None
    row.update(conforming=ev.conforming, results=list(ev.results))
    with audit_context(reason=f"amostra extra {ev.sample_code} validada"):
        req.extra_samples = rows
        session.flush()
    verdict = ("dentro do padrão de potabilidade" if ev.conforming
               else "fora do padrão: a equipe de qualidade já foi acionada")
    event(req.id, f"Laboratório: a amostra coletada em {ev.point_name} ficou {verdict}.")
    return req
