"""LIMS services: extra samples another area asks for (issue 18 section 3).

An incident's water-quality anomaly at a linked point asks for samples at that point and
every point downstream (the recoleta topology: `lims_point_link`), collected today; when all
of a requested sample's results are validated, `ExtraSampleValidated` is published once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional
from core.events import publish
from lims.domain import sensor_lab as rule
from lims.domain.recoleta import Role
from lims.domain.samples import SampleState
from lims.domain.vmp import Verdict
from lims.events import ExtraSampleValidated
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint
from lims.models.results import Result, ResultState
from lims.models.samples import Sample
from lims.models.sensors import PointTag, SampleRequest
from lims.services import registry, samples

# what an extra sample is analysed for, besides the point's linked quantities: the residual,
# turbidity and the microbiological pair (a chlorine loss is a microbiological risk)
EXTRA_PARAMETERS = ("cloro_residual_livre", "turbidez", "coliformes_totais", "escherichia_coli")


def _downstream(point: CollectionPoint) -> list[int]:
    ids = list(session.scalars(select(CollectionPoint.id).where(
        CollectionPoint.system_id == point.system_id, CollectionPoint.active.is_(True))))
    links = {pid: down for pid, (_up, down) in registry.neighbours_map(ids).items()}
    active = set(ids)
    return [p for p in rule.downstream(point.id, links) if p in active]


def _parameter_ids(point_id: int) -> list[int]:
    codes = set(EXTRA_PARAMETERS) | set(session.scalars(select(PointTag.parameter_code).where(
        PointTag.point_id == point_id)))
    return list(session.scalars(select(Parameter.id).where(Parameter.code.in_(codes))
                                .order_by(Parameter.id)))


def _info(req: SampleRequest) -> rule.ExtraSample:
    s = session.get(Sample, req.sample_id)
    p = session.get(CollectionPoint, s.point_id)
    return rule.ExtraSample(s.id, s.code, p.id, p.code, p.name, req.role, s.scheduled_for)


def requested(ref: str) -> list[rule.ExtraSample]:
    return [_info(r) for r in session.scalars(select(SampleRequest).where(SampleRequest.ref == ref)
                                              .order_by(SampleRequest.id))]


@transactional
def request(point_id: int, *, ref: str, reason: str, day: dt.date | None = None,
            user_id: int | None = None, downstream: bool = True) -> list[rule.ExtraSample]:
    """Samples (AGUARDANDO COLETA, `day` or today) at the point and (`downstream`) every point
    downstream, recorded under `ref`. Asked twice with the same ref, it returns the first ones."""
    if session.scalars(select(SampleRequest.id).where(SampleRequest.ref == ref)).first():
        return requested(ref)
    point = registry.record("pontos", point_id)
    day = day or dt.date.today()
    plan = [(point.id, Role.SAME)] + ([(p, Role.DOWNSTREAM) for p in _downstream(point)]
                                       if downstream else [])
    with audit_context(reason=f"amostras extras: {reason}"[:500]):
        for pid, role in plan:
            ids = _parameter_ids(pid)
            if not ids:
                continue
            s = samples.create_sample(pid, day, ids, user_id=user_id, section="rede",
                                      state=SampleState.AWAITING_COLLECTION,
                                      reason=f"amostra extra: {reason}"[:500])
            session.add(SampleRequest(sample_id=s.id, ref=ref, role=role.value,
                                      reason=reason[:500]))
        session.flush()
    return requested(ref)


def _line(r: Result) -> str:
    verdict = "não conforme" if r.verdict == Verdict.NONCONFORMING.value else "conforme"
    return f"{r.parameter_name} = {r.value_text} {r.unit}".rstrip() + f" (VMP {r.standard}): {verdict}"


def announce_validated(sample_ids: set[int]) -> None:
    """Publish `ExtraSampleValidated` for each requested sample whose every parameter now has
    a validated result (once per sample)."""
    for sid in sorted(sample_ids):
        req = session.scalars(select(SampleRequest).where(SampleRequest.sample_id == sid)).first()
        if req is None or req.announced:
            continue
        s = session.get(Sample, sid)
        rows = list(session.scalars(select(Result).where(
            Result.sample_id == sid, Result.state.in_(
                [ResultState.ENTERED, ResultState.VALIDATED, ResultState.PUBLISHED]))))
        done = {r.parameter_id for r in rows if r.state != ResultState.ENTERED}
        if any(sp.parameter_id not in done for sp in s.parameters):
            continue
        p = session.get(CollectionPoint, s.point_id)
        with audit_context(reason=f"amostra extra {s.code} validada"):
            req.announced = True
            session.flush()
        publish(ExtraSampleValidated(
            sample_id=s.id, sample_code=s.code, ref=req.ref, role=req.role, point_code=p.code,
            point_name=p.name, conforming=all(r.verdict != Verdict.NONCONFORMING.value for r in rows),
            results=tuple(_line(r) for r in rows), collected_at=s.collected_at))
