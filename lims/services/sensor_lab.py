"""LIMS services: the loop between online sensors and the lab (issue 18 section 3).

A point is linked to the telemetry tags measuring its water (edited on the point's page,
audited). When a result at a linked point is validated, the analyser's reading at the
collection time is stored beside it; a persistent difference (`lims_sensor_rule`,
Gestor-editable) publishes `SensorLabDisagreed`.

The readings come from `telemetry.api`, which the composition root hands to the app
(`app.extensions["saae_online_source"]`, saae/app.py): lims imports no telemetry module, so
commercial and the portal, which read lims.api, stay free of telemetry (their contracts) and
the invoice workers do not load the time-series client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional
from core.errors import ValidationError
from core.events import publish
from lims.data import reference
from lims.domain import sensor_lab as rule
from lims.domain.vmp import Verdict
from lims.events import SensorLabDisagreed
from lims.models.registry import CollectionPoint
from lims.models.results import Result, ResultState
from lims.models.sensors import (
    QUANTITY_LABELS,
    QUANTITY_PARAMETERS,
    PointTag,
    SensorPair,
    SensorRule,
)
from lims.services import registry
from lims.services.actor import acting

COUNTED = (ResultState.VALIDATED, ResultState.PUBLISHED)
RULES_FILE = "sensor_lab_rules.json"


class OnlineSource(Protocol):
    """What lims reads of the analysers (telemetry.api's functions of the same names)."""

    def tag_info(self, name: str) -> Any: ...

    def tags(self, asset_code: str | None = None, sector_code: str | None = None,
             quantities: tuple[str, ...] = ()) -> list[Any]: ...

    def value_at(self, name: str, at: dt.datetime) -> Any: ...

    def tag_window(self, name: str, start: dt.datetime, end: dt.datetime) -> list[Any]: ...


class _NoSource:
    """No telemetry wired (a bare app): no tags, no readings."""

    def tag_info(self, name: str) -> Any:
        return None

    def tags(self, asset_code: str | None = None, sector_code: str | None = None,
             quantities: tuple[str, ...] = ()) -> list[Any]:
        return []

    def value_at(self, name: str, at: dt.datetime) -> Any:
        return None

    def tag_window(self, name: str, start: dt.datetime, end: dt.datetime) -> list[Any]:
        return []


def online() -> OnlineSource:
    source: OnlineSource | None = current_app.extensions.get("saae_online_source")
    return source if source is not None else _NoSource()


def links(point_id: int) -> dict[str, PointTag]:
    """{quantity: link} of one point."""
    return {t.quantity: t for t in session.scalars(select(PointTag).where(
        PointTag.point_id == point_id).order_by(PointTag.quantity))}


def points_for_tag(tag: str) -> list[CollectionPoint]:
    """Active points one tag measures."""
    return list(session.scalars(select(CollectionPoint).join(
        PointTag, PointTag.point_id == CollectionPoint.id).where(
        PointTag.tag == tag, CollectionPoint.active.is_(True)).order_by(CollectionPoint.code)))


def tag_choices() -> dict[str, list[tuple[str, str]]]:
    """{quantity: [(tag, "TAG - description (asset)")]} of the tags a point may be linked to."""
    out: dict[str, list[tuple[str, str]]] = {q: [] for q in QUANTITY_PARAMETERS}
    for t in online().tags(quantities=tuple(QUANTITY_PARAMETERS)):
        out[t.quantity].append((t.name, f"{t.name} - {t.description or t.asset_name}"))
    return out


def _checked(tags: Mapping[str, str]) -> dict[str, str]:
    wanted, errors = {}, {}
    for quantity in QUANTITY_PARAMETERS:
        name = (tags.get(quantity) or "").strip()
        if not name:
            continue
        info = online().tag_info(name)
        if info is None:
            errors[quantity] = [f"A tag {name} não existe na telemetria."]
        elif info.quantity != quantity:
            errors[quantity] = [f"A tag {name} não mede {QUANTITY_LABELS[quantity].lower()}."]
        wanted[quantity] = name
    if errors:
        raise ValidationError("Confira as tags dos sensores do ponto.", fields=errors)
    return wanted


@transactional
def set_point_tags(point_id: int, tags: Mapping[str, str], *, user_id: int | None = None,
                   reason: str = "") -> dict[str, PointTag]:
    """Link (or unlink, empty) the point's analysers, one per quantity (audited)."""
    p = registry.record("pontos", point_id)
    wanted = _checked(tags)
    have = links(p.id)
    with acting(user_id, reason.strip() or f"sensores on-line do ponto {p.code}"):
        for quantity, link in have.items():
            if quantity not in wanted:
                session.delete(link)
            elif link.tag != wanted[quantity]:
                link.tag = wanted[quantity]
        for quantity, name in wanted.items():
            if quantity not in have:
                session.add(PointTag(point_id=p.id, quantity=quantity, tag=name,
                                     parameter_code=QUANTITY_PARAMETERS[quantity]))
        session.flush()
    return links(p.id)


def seed_rules() -> None:
    """The sensor-lab rules of the data file not yet in the table (a Gestor's edits stay)."""
    data = reference(RULES_FILE)
    have = set(session.scalars(select(SensorRule.quantity)))
    with audit_context(reason=f"regras sensor x laboratório {data['version']}"):
        for row in data["rules"]:
            if row["quantity"] not in have:
                session.add(SensorRule(**row))
        session.flush()


# -- at validation ----------------------------------------------------------------------------

def _lab_value(r: Result) -> float | None:
    return float(r.value) if r.value is not None and not r.qualifier else None


def pair_validated(results: Sequence[Result]) -> list[SensorPair]:
    """Store the online value beside each validated result at a linked point (once per
    result), then look for a persistent difference on each tag concerned."""
    out = []
    for r in results:
        if r.point_id is None or r.collected_at is None:
            continue
        link = session.scalars(select(PointTag).where(
            PointTag.point_id == r.point_id, PointTag.parameter_code == r.parameter_code)).first()
        if link is None or session.scalars(select(SensorPair.id).where(
                SensorPair.result_id == r.id)).first() is not None:
            continue
        reading = online().value_at(link.tag, r.collected_at)
        with audit_context(reason=f"leitura on-line junto ao resultado da amostra {r.sample_code}"):
            pair = SensorPair(result_id=r.id, point_id=r.point_id, tag=link.tag,
                              parameter_code=r.parameter_code, collected_at=r.collected_at,
                              lab_value=_lab_value(r),
                              online_value=reading.value if reading else None,
                              online_at=reading.ts if reading else None)
            session.add(pair)
            session.flush()
        out.append(pair)
    for link_tag, quantity in {(p.tag, _quantity(p.parameter_code)) for p in out}:
        check_tag(link_tag, quantity)
    return out


def _quantity(parameter_code: str) -> str:
    return next((q for q, code in QUANTITY_PARAMETERS.items() if code == parameter_code), "")


def rule_for(quantity: str) -> SensorRule | None:
    return session.scalars(select(SensorRule).where(SensorRule.quantity == quantity,
                                                    SensorRule.active.is_(True))).first()


def check_tag(tag: str, quantity: str) -> rule.Disagreement | None:
    """Publish `SensorLabDisagreed` when the tag's last pairs disagree for good (and the tag
    is not already suspect: its calibration is already asked for)."""
    r = rule_for(quantity)
    if r is None:
        return None
    # only results that still count: a corrected or reanalysed value leaves its pair behind
    rows = session.execute(select(SensorPair.lab_value, SensorPair.online_value, SensorPair.point_id)
                           .join(Result, Result.id == SensorPair.result_id)
                           .where(SensorPair.tag == tag, Result.state.in_(list(COUNTED)))
                           .order_by(SensorPair.collected_at.desc(), SensorPair.id.desc())
                           .limit(max(r.pairs, 1) * 3)).all()
    found = rule.persistent_difference([(lab, online) for lab, online, _ in rows],
                                       tolerance=r.tolerance, last=r.pairs)
    info = online().tag_info(tag)
    if found is None or info is None or info.suspect:
        return found
    point = session.get(CollectionPoint, rows[0][2])
    publish(SensorLabDisagreed(
        tag=tag, point_id=point.id, point_code=point.code, point_name=point.name,
        quantity=quantity, parameter_code=r.parameter_code, pairs=found.pairs,
        mean_difference=round(found.mean_difference, 4), tolerance=r.tolerance, unit=info.unit,
        latitude=point.latitude, longitude=point.longitude))
    return found


# -- the chart --------------------------------------------------------------------------------

def series(point_id: int, start: dt.datetime, end: dt.datetime, *,
           published_only: bool = True) -> list[rule.SensorSeries]:
    """Each linked analyser's readings in [start, end) with the lab's results of the same
    parameter at the point (PUBLICADA only when `published_only`)."""
    states = [ResultState.PUBLISHED] if published_only else list(COUNTED)
    out = []
    for quantity, link in links(point_id).items():
        info = online().tag_info(link.tag)
        rows = session.scalars(select(Result).where(
            Result.point_id == point_id, Result.parameter_code == link.parameter_code,
            Result.state.in_(states), Result.collected_at >= start, Result.collected_at < end)
            .order_by(Result.collected_at))
        paired = {p.result_id: p.online_value for p in session.scalars(select(SensorPair).where(
            SensorPair.point_id == point_id, SensorPair.tag == link.tag,
            SensorPair.collected_at >= start))}
        lab = tuple(rule.LabPoint(r.collected_at, _lab_value(r), r.value_text,
                                  r.verdict != Verdict.NONCONFORMING.value, r.sample_code,
                                  paired.get(r.id)) for r in rows if r.collected_at)
        out.append(rule.SensorSeries(
            quantity=quantity, label=QUANTITY_LABELS[quantity], tag=link.tag,
            unit=info.unit if info else "", parameter_code=link.parameter_code,
            readings=tuple(online().tag_window(link.tag, start, end)), lab=lab,
            suspect=bool(info and info.suspect)))
    return out
