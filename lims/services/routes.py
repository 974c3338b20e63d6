"""LIMS services: collection routes and the collectors' field entries.

- `build_route`: a collector's day, from the samples scheduled that day and not yet on a route,
  grouped by area (the point's neighbourhood) and ordered by nearest neighbour
  (lims.domain.routing); releases them PROGRAMADA -> AGUARDANDO COLETA and writes the
  preparation form rows (tender 7.12: responsible, date, point, parameter, method, bottle,
  preservative, volume, quantity).
- `record_entry`: one entry from the collector's phone (collected with time, readings, GPS and
  photo, or not collected with a reason), idempotent on the phone's key: a replay returns the
  first answer and changes nothing (unique key in lims_route_entry).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.auth import User
from core.db import session, transactional, unit_of_work, utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
    error_body,
)
from labels import api as labels
from lims.domain import routing
from lims.domain.samples import SampleState
from lims.models.catalogue import BottleType, Parameter, Preservative
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.routes import FieldEntry, PreparationRow, Route, RouteState, RouteStop, StopOutcome
from lims.models.samples import Sample
from lims.services import samples as sample_svc
from lims.services.photos import check_photo
from lims.services.results import enter_field_readings

log = logging.getLogger(__name__)

NO_AREA = "Sem bairro"
ROUTABLE = (SampleState.PROGRAMADA, SampleState.AGUARDANDO_COLETA)

# field readings the collector types on the phone: key -> (label, unit, min, max)
READINGS: dict[str, tuple[str, str, Decimal, Decimal]] = {
    "cloro_residual_livre": ("Cloro residual livre", "mg/L", Decimal(0), Decimal(10)),
    "turbidez": ("Turbidez", "uT", Decimal(0), Decimal(1000)),
    "ph": ("pH", "", Decimal(0), Decimal(14)),
    "temperatura": ("Temperatura", "°C", Decimal(-5), Decimal(50)),
}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,80}$")
MAX_PHOTO_BYTES = 8 * 1024 * 1024


def area_of(point: CollectionPoint) -> str:
    return (point.neighbourhood or "").strip() or NO_AREA


# -- building ---------------------------------------------------------------------------------

def candidates(day: dt.date, *, system_id: int | None = None) -> list[Sample]:
    """Samples of `day` that a route may take: programmed or awaiting collection, on no route."""
    stmt = (select(Sample).where(Sample.scheduled_for == day, Sample.state.in_(ROUTABLE),
                                 Sample.route_id.is_(None))
            .options(selectinload(Sample.parameters)).order_by(Sample.code))
    if system_id is not None:
        stmt = stmt.where(Sample.system_id == system_id)
    return list(session.scalars(stmt))


def areas_for(day: dt.date, *, system_id: int | None = None) -> list[tuple[str, int]]:
    """(area, number of samples) still without a route on `day`."""
    counts: dict[str, int] = {}
    rows = candidates(day, system_id=system_id)
    points = _points(s.point_id for s in rows)
    for s in rows:
        a = area_of(points[s.point_id])
        counts[a] = counts.get(a, 0) + 1
    return sorted(counts.items())


def _points(ids: Iterable[int]) -> dict[int, CollectionPoint]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(CollectionPoint).where(CollectionPoint.id.in_(ids)))}


def _next_route_code(day: dt.date) -> str:
    stem = f"R{day:%Y%m%d}-"
    n = session.scalar(select(func.count()).select_from(Route).where(Route.code.like(f"{stem}%")))
    return f"{stem}{(n or 0) + 1:02d}"


def _user(user_id: int | None, what: str) -> User | None:
    if user_id is None:
        return None
    u = session.get(User, user_id)
    if u is None or not u.active:
        raise ValidationError(f"{what} inexistente ou inativo.", fields={what.lower(): ["invalido"]})
    return u


@transactional
def build_route(day: dt.date, collector_id: int, *, user_id: int | None,
                system_id: int | None = None, areas: Iterable[str] | None = None,
                sample_ids: Iterable[int] | None = None,
                analysis_responsible_id: int | None = None,
                start: tuple[float, float] | None = None, notes: str | None = None) -> Route:
    """One route for `collector_id` on `day` with the day's samples still without a route
    (optionally only those `areas` or `sample_ids`), visiting order by area then distance."""
    collector = _user(collector_id, "Coletor")
    analyst = _user(analysis_responsible_id, "Responsável")
    rows = candidates(day, system_id=system_id)
    if sample_ids is not None:
        wanted = set(sample_ids)
        rows = [s for s in rows if s.id in wanted]
    points = _points(s.point_id for s in rows)
    if areas is not None:
        chosen = {a.strip() for a in areas}
        rows = [s for s in rows if area_of(points[s.point_id]) in chosen]
    if not rows:
        raise ValidationError(f"Nenhuma amostra programada para {day:%d/%m/%Y} sem rota"
                              + (" nas áreas escolhidas." if areas else "."), code="rota_vazia")
    return _create(day, collector, analyst, rows, points, user_id=user_id, system_id=system_id,
                   start=start, notes=notes)


def _create(day: dt.date, collector: User | None, analyst: User | None, rows: list[Sample],
            points: dict[int, CollectionPoint], *, user_id: int | None, system_id: int | None,
            start: tuple[float, float] | None, notes: str | None) -> Route:
    if start is None and system_id is not None:
        sy = session.get(SupplySystem, system_id)
        if sy and sy.latitude is not None and sy.longitude is not None:
            start = (sy.latitude, sy.longitude)
    legs = routing.order_route([
        routing.Stop(s.id, area_of(points[s.point_id]), points[s.point_id].latitude,
                     points[s.point_id].longitude, f"{points[s.point_id].code} {s.code}")
        for s in rows], start)
    by_id = {s.id: s for s in rows}
    area_order = list(dict.fromkeys(leg.area for leg in legs))
    systems = {s.system_id for s in rows}
    route = Route(code=_next_route_code(day), day=day, collector_id=collector.id,  # type: ignore[union-attr]
                  analysis_responsible_id=analyst.id if analyst else None,
                  system_id=system_id or (systems.pop() if len(systems) == 1 else None),
                  area=", ".join(area_order)[:300], state=RouteState.PLANEJADA,
                  distance_km=routing.total_km(legs), notes=notes, created_by_id=user_id)
    with sample_svc.acting(user_id, f"rota de coleta {route.code}"):
        session.add(route)
        session.flush()
        route.stops = [RouteStop(position=i, sample_id=leg.key, point_id=by_id[leg.key].point_id,
                                 area=leg.area, leg_km=leg.km) for i, leg in enumerate(legs, 1)]
        programmed = [s.id for s in rows if s.state == SampleState.PROGRAMADA]
        if programmed:
            sample_svc.release_day(day, sample_ids=programmed, user_id=user_id)
        for s in rows:
            s.route_id = route.id
        route.preparation = _preparation_rows(route, [by_id[leg.key] for leg in legs], points,
                                              collector, analyst)  # type: ignore[arg-type]
        session.flush()
    log.info("route %s: %d stops, %.1f km", route.code, len(route.stops), route.distance_km)
    return route


@transactional
def demo_routes(today: dt.date, *, collector_id: int | None = None) -> list[Route]:
    """The demo's routes of `today`, one per system: the samples still to collect plus those
    already collected today (their stops done), so the day shows as under way. Idempotent."""
    if session.scalars(select(Route.id).where(Route.day == today)).first() is not None:
        return []
    users = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
    collector = (session.get(User, collector_id) if collector_id else
                 next((u for u in users if u.has_profile("coletor")), None))
    if collector is None:
        return []
    analyst = next((u for u in users if u.has_profile("analista")), None)
    done = list(session.scalars(select(Sample).where(
        Sample.scheduled_for == today, Sample.route_id.is_(None),
        Sample.state == SampleState.COLETADA).options(selectinload(Sample.parameters))))
    by_system: dict[int, list[Sample]] = {}
    for s in candidates(today) + done:
        by_system.setdefault(s.system_id, []).append(s)
    out = []
    for system_id, rows in sorted(by_system.items()):
        points = _points(s.point_id for s in rows)
        r = _create(today, collector, analyst, rows, points, user_id=None, system_id=system_id,
                    start=None, notes="demonstracao")
        with sample_svc.acting(None, f"demonstração: rota {r.code} em campo"):
            for st in r.stops:
                if st.sample.state == SampleState.COLETADA:
                    st.outcome, st.outcome_at = StopOutcome.COLETADA, st.sample.collected_at
            if any(st.outcome for st in r.stops):
                r.state = RouteState.EM_CAMPO
            session.flush()
        out.append(r)
    return out


def _preparation_rows(route: Route, ordered: list[Sample], points: dict[int, CollectionPoint],
                      collector: User, analyst: User | None) -> list[PreparationRow]:
    bottles = {b.id: b for b in session.scalars(select(BottleType))}
    preservs = {p.id: p for p in session.scalars(select(Preservative))}
    out: list[PreparationRow] = []
    for s in ordered:
        groups: dict[tuple[Any, Any], list[Parameter]] = {}
        for sp in s.parameters:
            p = sp.parameter
            key = ("campo", None) if p.field_reading else (p.bottle_type_id, p.preservative_id)
            groups.setdefault(key, []).append(p)
        for (bottle_id, pres_id), params in sorted(groups.items(), key=lambda kv: str(kv[0])):
            field = bottle_id == "campo"
            bottle = None if field else bottles.get(bottle_id)
            volume = max([p.volume_ml or 0 for p in params] + [bottle.volume_ml or 0 if bottle else 0])
            out.append(PreparationRow(
                position=len(out) + 1, sample_id=s.id, point_id=s.point_id,
                scheduled_for=s.scheduled_for, collection_responsible=collector.name,
                analysis_responsible=analyst.name if analyst else "",
                parameters=", ".join(p.name for p in params),
                methods="; ".join(dict.fromkeys(p.method for p in params if p.method)),
                bottle_type="Leitura em campo" if field else (bottle.name if bottle else "Frasco padrão"),
                preservative="" if field or pres_id is None else preservs[pres_id].name,
                volume_ml=None if field or not volume else volume, bottles=0 if field else 1))
    return out


# -- reading ----------------------------------------------------------------------------------

def get_route(route_id: int) -> Route:
    r = session.get(Route, route_id)
    if r is None:
        raise NotFound("Rota não encontrada.")
    return r


def list_routes(*, day: dt.date | None = None, collector_id: int | None = None,
                since: dt.date | None = None, limit: int = 100) -> list[Route]:
    stmt = select(Route).order_by(Route.day.desc(), Route.code).limit(limit)
    if day is not None:
        stmt = stmt.where(Route.day == day)
    if since is not None:
        stmt = stmt.where(Route.day >= since)
    if collector_id is not None:
        stmt = stmt.where(Route.collector_id == collector_id)
    return list(session.scalars(stmt))


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


@transactional
def cancel_route(route_id: int, *, reason: str, user_id: int | None) -> Route:
    """Cancel a route not yet in the field: its samples go back to PROGRAMADA, off the route."""
    r = get_route(route_id)
    if r.state != RouteState.PLANEJADA:
        raise Conflict("So uma rota ainda não iniciada em campo pode ser cancelada.")
    if len((reason or "").strip()) < 5:
        raise ValidationError("Informe o motivo do cancelamento da rota.", fields={"motivo": ["curto"]})
    with sample_svc.acting(user_id, f"rota {r.code} cancelada: {reason.strip()}"):
        r.state = RouteState.CANCELADA
        for stop in r.stops:
            s = stop.sample
            if s.state == SampleState.AGUARDANDO_COLETA and not s.is_recoleta:
                sample_svc.transition(s.id, SampleState.PROGRAMADA, user_id=user_id,
                                      reason=f"rota {r.code} cancelada: {reason.strip()}",
                                      route_id=None)
            else:
                s.route_id = None
        session.flush()
    return r


# -- labels -----------------------------------------------------------------------------------

def label_specs(route: Route, *, per_bottle: bool = False) -> list[labels.LabelSpec]:
    """One label per sample (or per bottle) of the route, in visiting order."""
    prep: dict[int, list[PreparationRow]] = {}
    for row in route.preparation:
        if row.bottles:
            prep.setdefault(row.sample_id, []).append(row)
    out = []
    for stop in route.stops:
        s, p = stop.sample, stop.point
        title = (f"{p.code} - {p.name}", stop.area if stop.area != NO_AREA else (p.address or ""))
        params = ", ".join(sp.parameter.name for sp in s.parameters)
        head = f"Coleta {s.scheduled_for:%d/%m/%Y} · {route.code} · parada {stop.position}"
        rows = prep.get(s.id, [])
        if per_bottle and rows:
            n = len(rows)
            for i, row in enumerate(rows, 1):
                bottle = " ".join(filter(None, [row.bottle_type, f"{row.volume_ml} mL" if row.volume_ml else "",
                                                row.preservative]))
                out.append(labels.LabelSpec(s.code, title, (head, f"Frasco {i}/{n}: {bottle}", row.parameters)))
        else:
            out.append(labels.LabelSpec(s.code, title, (head, params)))
    return out


def sample_label_specs(sample_ids: Iterable[int]) -> list[labels.LabelSpec]:
    """Labels of any samples (a reprint at reception, a recoleta), in the order given."""
    ids = list(dict.fromkeys(sample_ids))
    rows = {s.id: s for s in session.scalars(select(Sample).where(Sample.id.in_(ids))
                                             .options(selectinload(Sample.parameters)))}
    points = _points(s.point_id for s in rows.values())
    out = []
    for i in ids:
        s = rows.get(i)
        if s is None:
            raise NotFound(f"Amostra {i} não encontrada.")
        p = points[s.point_id]
        route = session.get(Route, s.route_id) if s.route_id else None
        head = f"Coleta {s.scheduled_for:%d/%m/%Y}" + (f" · {route.code}" if route else "")
        out.append(labels.LabelSpec(s.code, (f"{p.code} - {p.name}", area_of(p)),
                                    (head, ", ".join(sp.parameter.name for sp in s.parameters))))
    return out


def label_layout(slug: str | None) -> labels.SheetLayout:
    """The label layout named by the screens' `formato` (a4, termica, a4-datamatrix,
    a4-65-datamatrix, termica-datamatrix); A4 Code128 by default."""
    return labels.LAYOUTS.get(slug or "a4", labels.A4_3X10)


def labels_pdf(route_id: int, *, thermal: bool = False, per_bottle: bool = False,
               skip: int = 0, layout: labels.SheetLayout | None = None) -> bytes:
    r = get_route(route_id)
    specs = label_specs(r, per_bottle=per_bottle)
    sheet = layout or (labels.THERMAL_50X30 if thermal else labels.A4_3X10)
    if sheet.per_page == 1:
        return labels.render_thermal_pdf(specs, sheet, title=f"Etiquetas {r.code}")
    return labels.render_sheet_pdf(specs, sheet, skip=skip, title=f"Etiquetas {r.code}")


def labels_zpl(route_id: int, *, per_bottle: bool = False, symbology: str = "code128") -> str:
    return labels.render_zpl(label_specs(get_route(route_id), per_bottle=per_bottle),
                             symbology=symbology)


# -- field entries (the collector's phone) ----------------------------------------------------

@dataclass(frozen=True)
class EntryResult:
    key: str
    status: int  # 200 accepted, 4xx refused (final: the phone must not retry)
    body: dict[str, Any]
    replay: bool  # True when this key had been answered before


def _hash(data: dict[str, Any]) -> str:
    clean = {k: v for k, v in data.items() if k != "key"}
    return hashlib.sha256(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()


def record_entry(data: dict[str, Any], *, user_id: int, data_dir: Path | str) -> EntryResult:
    """Apply one phone entry exactly once per idempotency key `data["key"]`.

    A key seen before returns its first answer (even a refusal) and changes nothing; the same
    key with different content is refused (409). Refusals are stored too, so a replay gets
    the same message instead of a different one."""
    key = str(data.get("key") or "")
    if not KEY_RE.match(key):
        msg = "Chave de envio ausente ou inválida (8 a 80 letras, dígitos, - ou _)."
        return EntryResult(key, 422, error_body("dados_invalidos", msg, {"key": [msg]}), False)
    digest = _hash(data)
    first = _replay(key, digest)
    if first is not None:
        return first
    photo_file: Path | None = None
    try:
        with unit_of_work():
            body, photo_file = _apply(data, user_id=user_id, data_dir=Path(data_dir), key=key)
            session.add(FieldEntry(idempotency_key=key, payload_hash=digest,
                                   route_id=body.get("route_id"), sample_id=body.get("sample_id"),
                                   user_id=user_id, kind=str(data.get("kind") or "")[:20],
                                   accepted=True, status=200, response=body,
                                   device_at=_when(data.get("saved_at"), "saved_at", strict=False)))
        return EntryResult(key, 200, body, False)
    except IntegrityError:
        _discard(photo_file)
        session.rollback()
        return _replay(key, digest) or EntryResult(key, 409, error_body(
            "conflito", "Envio concorrente com a mesma chave; tente de novo."), False)
    except DomainError as exc:
        _discard(photo_file)
        body = error_body(exc.code, exc.message, exc.fields)
        body["key"] = key
        try:
            with unit_of_work():
                sid = data.get("sample_id") if isinstance(data.get("sample_id"), int) else None
                if sid is not None and session.get(Sample, sid) is None:
                    sid = None
                session.add(FieldEntry(idempotency_key=key, payload_hash=digest, sample_id=sid,
                                       user_id=user_id, kind=str(data.get("kind") or "")[:20],
                                       accepted=False, status=exc.status, response=body))
        except IntegrityError:
            session.rollback()
            return _replay(key, digest) or EntryResult(key, exc.status, body, False)
        return EntryResult(key, exc.status, body, False)


def _discard(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def _replay(key: str, digest: str) -> EntryResult | None:
    e = session.scalars(select(FieldEntry).where(FieldEntry.idempotency_key == key)).first()
    if e is None:
        return None
    if e.payload_hash != digest:
        msg = "Esta chave de envio já foi usada com outros dados."
        return EntryResult(key, 409, error_body("chave_reutilizada", msg), True)
    with unit_of_work():
        e.replays = (e.replays or 0) + 1
    return EntryResult(key, e.status, dict(e.response), True)


def _when(value: Any, field: str, *, strict: bool = True) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        if not strict:
            return None
        raise ValidationError("Data/hora inválida.", fields={field: ["formato ISO 8601"]}) from None
    if t.tzinfo is None:
        if not strict:
            return None
        raise ValidationError("Informe a data/hora com fuso horário.", fields={field: ["sem fuso"]})
    return t.astimezone(dt.UTC)


def parse_readings(raw: Any) -> dict[str, str]:
    """Field readings as typed (pt-BR comma or dot), checked against plausible ranges and
    stored as "1,2" strings. Empty ones are left out."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationError("Leituras de campo inválidas.", fields={"readings": ["objeto"]})
    out: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for k, v in raw.items():
        if k not in READINGS:
            errors[k] = ["leitura desconhecida"]
            continue
        text = str(v if v is not None else "").strip().replace(",", ".")
        if not text:
            continue
        label, unit, lo, hi = READINGS[k]
        try:
            value = Decimal(text)
        except InvalidOperation:
            errors[k] = [f"{label}: número inválido"]
            continue
        if not value.is_finite() or not lo <= value <= hi:
            errors[k] = [f"{label} fora da faixa {lo}-{hi} {unit}".strip()]
            continue
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
        out[k] = format(value, "f").replace(".", ",")
    if errors:
        raise ValidationError("Confira as leituras de campo: " + "; ".join(
            m for ms in errors.values() for m in ms) + ".", fields=errors)
    return out


def _coord(value: Any, lo: float, hi: float, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValidationError("Coordenada inválida.", fields={field: ["numero"]}) from None
    if not lo <= f <= hi:
        raise ValidationError("Coordenada fora da faixa.", fields={field: ["faixa"]})
    return f


def _save_photo(raw: Any, data_dir: Path, code: str, key: str) -> tuple[str | None, Path | None]:
    if not raw:
        return None, None
    text = str(raw)
    m = re.match(r"^data:image/(jpeg|png|webp);base64,(.*)$", text, re.S)
    if not m:
        raise ValidationError("Foto em formato inválido (use JPEG ou PNG).", fields={"photo": ["formato"]})
    try:
        blob = base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("Foto corrompida.", fields={"photo": ["base64"]}) from None
    if len(blob) > MAX_PHOTO_BYTES:
        raise ValidationError("Foto grande demais (máximo 8 MB).", fields={"photo": ["tamanho"]})

    check_photo(blob, "photo")
    ext = {"jpeg": "jpg"}.get(m.group(1), m.group(1))
    # a random tail: two racing requests with one key never share (and delete) a file
    rel = Path("lims") / "coletas" / f"{code}-{key[:16]}-{secrets.token_hex(4)}.{ext}"
    target = data_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(blob)
    return rel.as_posix(), target


def _apply(data: dict[str, Any], *, user_id: int, data_dir: Path,
           key: str) -> tuple[dict[str, Any], Path | None]:
    kind = data.get("kind")
    if kind not in (StopOutcome.COLETADA, StopOutcome.NAO_COLETADA):
        raise ValidationError("Tipo de registro inválido.", fields={"kind": ["coletada ou nao_coletada"]})
    sid = data.get("sample_id")
    s = session.get(Sample, sid) if isinstance(sid, int) else None
    if s is None and data.get("code"):
        s = sample_svc.get_by_code(str(data["code"]))
    if s is None:
        raise NotFound("Amostra não encontrada.")
    route = session.get(Route, s.route_id) if s.route_id else None
    stop = None
    if route is not None:
        stop = next((st for st in route.stops if st.sample_id == s.id), None)
    user = session.get(User, user_id)
    if route is None or stop is None:
        raise Conflict(f"A amostra {s.code} não esta em nenhuma rota de coleta aberta.")
    if route.collector_id != user_id and not (user and user.can("lims.routes.manage")):
        raise PermissionDenied(f"A rota {route.code} e de outro coletor.")
    if route.state == RouteState.CANCELADA:
        raise Conflict(f"A rota {route.code} foi cancelada.")
    now = utcnow()
    photo_file = None
    if kind == StopOutcome.COLETADA:
        when = _when(data.get("collected_at"), "collected_at") or now
        if when > now + dt.timedelta(minutes=10):
            raise ValidationError("Hora da coleta no futuro.", fields={"collected_at": ["futuro"]})
        if when.date() < route.day - dt.timedelta(days=1):
            raise ValidationError("Hora da coleta anterior ao dia da rota.",
                                  fields={"collected_at": ["antes da rota"]})
        readings = parse_readings(data.get("readings"))
        lat = _coord(data.get("latitude"), -90, 90, "latitude")
        lon = _coord(data.get("longitude"), -180, 180, "longitude")
        photo, photo_file = _save_photo(data.get("photo"), data_dir, s.code, key)
        fields: dict[str, Any] = {"collected_at": when, "collected_by_id": user_id,
                                  "field_readings": readings, "latitude": lat, "longitude": lon}
        if photo:
            fields["photo_path"] = photo
        sample_svc.transition(s.id, SampleState.COLETADA, user_id=user_id,
                              reason=f"coletada na rota {route.code}", **fields)

        enter_field_readings(s.id, readings, collector_id=user_id)
        msg = f"Amostra {s.code} registrada como coletada."
    else:
        reason = str(data.get("reason") or "").strip()
        if len(reason) < 5:
            msg = "Informe o motivo da não coleta (mínimo de 5 caracteres)."
            raise ValidationError(msg, fields={"reason": [msg]})
        sample_svc.transition(s.id, SampleState.PROGRAMADA, user_id=user_id,
                              reason=f"não coletada na rota {route.code}: {reason}",
                              not_collected_reason=reason[:1000], route_id=None)
        msg = f"Amostra {s.code} registrada como não coletada; fica pendente para reprogramar."
    with sample_svc.acting(user_id, f"registro de campo da rota {route.code}"):
        stop.outcome = kind
        stop.outcome_at = now
        if route.state == RouteState.PLANEJADA:
            route.state = RouteState.EM_CAMPO
        if all(st.outcome for st in route.stops):
            route.state = RouteState.CONCLUIDA
        session.flush()
    body = {"key": key, "sample_id": s.id, "code": s.code, "route_id": route.id,
            "outcome": str(kind), "state": str(s.state), "route_state": route.state,
            "message": msg}
    return body, photo_file


def entry_counts(route_id: int) -> dict[str, int]:
    """Accepted / refused entries and replays for one route (supervision and tests)."""
    rows = list(session.scalars(select(FieldEntry).where(FieldEntry.route_id == route_id)))
    return {"accepted": sum(1 for e in rows if e.accepted),
            "refused": sum(1 for e in rows if not e.accepted),
            "replays": sum(e.replays or 0 for e in rows)}
