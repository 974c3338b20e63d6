"""LIMS services: the collectors' field entries from the phone (collected with time, readings, GPS
and photo, or not collected with a reason), idempotent on the phone's key: a replay returns the
first answer and changes nothing (unique key in lims_route_entry)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.auth import User
from core.db import session, unit_of_work, utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
    error_body,
)
from lims.domain.samples import SampleState
from lims.models.routes import FieldEntry, Route, RouteState, StopOutcome
from lims.models.samples import Sample
from lims.services import samples as sample_svc
from lims.services.photos import check_photo
from lims.services.results import enter_field_readings

# field readings the collector types on the phone: key -> (label, unit, min, max)
READINGS: dict[str, tuple[str, str, Decimal, Decimal]] = {
    "cloro_residual_livre": ("Cloro residual livre", "mg/L", Decimal(0), Decimal(10)),
    "turbidez": ("Turbidez", "uT", Decimal(0), Decimal(1000)),
    "ph": ("pH", "", Decimal(0), Decimal(14)),
    "temperatura": ("Temperatura", "°C", Decimal(-5), Decimal(50)),
}


KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,80}$")


MAX_PHOTO_BYTES = 8 * 1024 * 1024


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


def _stop_of(data: dict[str, Any], user_id: int) -> tuple[Sample, Route, Any]:
    """The sample of an entry, its open route and its stop; refuses what the user may not do."""
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
    if route.state == RouteState.CANCELLED:
        raise Conflict(f"A rota {route.code} foi cancelada.")
    return s, route, stop


def _collected(data: dict[str, Any], s: Sample, route: Route, *, user_id: int, data_dir: Path,
               key: str, now: dt.datetime) -> tuple[str, Path | None]:
    """A stop collected: time, readings (entered as field results), GPS and photo."""
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
    sample_svc.transition(s.id, SampleState.COLLECTED, user_id=user_id,
                          reason=f"coletada na rota {route.code}", **fields)
    enter_field_readings(s.id, readings, collector_id=user_id)
    return f"Amostra {s.code} registrada como coletada.", photo_file


def _not_collected(data: dict[str, Any], s: Sample, route: Route, *, user_id: int) -> str:
    """A stop not collected: the sample goes back to be scheduled again, with the reason."""
    reason = str(data.get("reason") or "").strip()
    if len(reason) < 5:
        msg = "Informe o motivo da não coleta (mínimo de 5 caracteres)."
        raise ValidationError(msg, fields={"reason": [msg]})
    sample_svc.transition(s.id, SampleState.SCHEDULED, user_id=user_id,
                          reason=f"não coletada na rota {route.code}: {reason}",
                          not_collected_reason=reason[:1000], route_id=None)
    return f"Amostra {s.code} registrada como não coletada; fica pendente para reprogramar."


def _apply(data: dict[str, Any], *, user_id: int, data_dir: Path,
           key: str) -> tuple[dict[str, Any], Path | None]:
    kind = data.get("kind")
    if kind not in (StopOutcome.COLLECTED, StopOutcome.NOT_COLLECTED):
        raise ValidationError("Tipo de registro inválido.", fields={"kind": ["coletada ou nao_coletada"]})
    s, route, stop = _stop_of(data, user_id)
    now = utcnow()
    photo_file = None
    if kind == StopOutcome.COLLECTED:
        msg, photo_file = _collected(data, s, route, user_id=user_id, data_dir=data_dir, key=key,
                                     now=now)
    else:
        msg = _not_collected(data, s, route, user_id=user_id)
    with sample_svc.acting(user_id, f"registro de campo da rota {route.code}"):
        stop.outcome = kind
        stop.outcome_at = now
        if route.state == RouteState.PLANNED:
            route.state = RouteState.IN_FIELD
        if all(st.outcome for st in route.stops):
            route.state = RouteState.COMPLETED
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
