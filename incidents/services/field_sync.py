"""The technician's phone queue: each action carries a client key, so a re-sent queue is
harmless; a malformed action is refused alone, with its reason."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit import audit_context, current_actor
from core.db import session, transactional, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
from incidents import domain
from incidents.domain import WorkOrderState
from incidents.domain.requests import PHOTO_TAGS
from incidents.models import Technician, WorkOrder, WorkOrderAction
from incidents.services import evidence
from incidents.services import incidents as inc_svc
from incidents.services.workorders import get, technician_for, transition

ACTION_KINDS = ("aceitar", "a_caminho", "chegou", "inicio", "leitura", "foto", "material",
                "posicao", "pausar", "retomar", "encerrar")


def sync(items: list[dict[str, Any]], username: str) -> list[dict[str, Any]]:
    """Apply the phone's queued actions; each has a client key, so a re-sent queue is
    harmless. Returns one result per item: applied | duplicate | error."""
    out = []
    for item in items:
        key = str(item.get("client_key") or "")[:64] if isinstance(item, dict) else ""
        try:
            status = _apply(_checked_item(item), key, username)
            out.append({"client_key": key, "status": status})
        except (ValidationError, IllegalTransition, NotFound) as exc:
            # answered, never retried: the phone drops it and sends the rest of its queue
            out.append({"client_key": key, "status": "erro", "rejeitada": True,
                        "message": exc.message})
    return out


def _finite_everywhere(value: Any, path: str = "data") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"Valor numérico inválido em {path} (NaN ou infinito).")
    if isinstance(value, dict):
        for k, v in value.items():
            _finite_everywhere(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite_everywhere(v, f"{path}[{i}]")


def _coordinate(value: Any, name: str, limit: float) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} inválida: {str(value)[:40]!r} não é um número.") from None
    if not math.isfinite(f) or not -limit <= f <= limit:
        raise ValidationError(f"{name} invalida: {str(value)[:40]!r} fora de -{limit:g} a {limit:g}.")
    return f


def _checked_item(item: Any) -> dict[str, Any]:
    """One queued action, checked before anything is written: a malformed item is refused
    with its reason instead of failing the whole synchronisation."""
    if not isinstance(item, dict):
        raise ValidationError("Ação inválida: esperado um objeto JSON.")
    try:
        int(item.get("work_order_id") or 0)
    except (TypeError, ValueError):
        raise ValidationError("Número da OS inválido.") from None
    data = item.get("data")
    if data is not None and not isinstance(data, dict):
        raise ValidationError("Campo 'data' da ação deve ser um objeto.")
    data = dict(data or {})
    _finite_everywhere(data)
    if data.get("lat") is not None or data.get("lon") is not None:
        data["lat"] = _coordinate(data.get("lat"), "Latitude", 90)
        data["lon"] = _coordinate(data.get("lon"), "Longitude", 180)
    return {**item, "data": data}


@transactional
def _apply(item: dict[str, Any], key: str, username: str) -> str:
    if not key:
        raise ValidationError("Ação sem chave do aparelho")
    kind = item.get("kind")
    if kind not in ACTION_KINDS:
        raise ValidationError(f"Ação desconhecida: {kind}")
    wo = get(int(item.get("work_order_id") or 0))
    if session.scalars(select(WorkOrderAction.id).where(WorkOrderAction.work_order_id == wo.id,
                                                        WorkOrderAction.client_key == key)).first():
        return "duplicada"
    tech = technician_for(username)
    if tech is None or wo.technician_id != tech.id:
        raise ValidationError("Esta OS não esta designada a você")
    at = _action_time(item.get("at"))
    data = dict(item.get("data") or {})
    photo = data.pop("photo", None) if kind == "foto" else None
    if photo and len(photo) > 3_000_000:
        raise ValidationError("Foto grande demais (máximo 2 MB)")
    _check_field_data(kind, data)
    try:
        with session.begin_nested():
            session.add(WorkOrderAction(work_order_id=wo.id, client_key=key, kind=kind, at=at,
                                        data=domain.jsonable(data), username=username, photo=photo))
    except IntegrityError:  # the same queue arriving twice at once
        return "duplicada"
    with audit_context(reason=f"campo: {kind}"):
        _take_action(wo, tech, kind, data, at)
    if kind == "encerrar":
        wo.executed_at = at
        transition(wo.id, WorkOrderState.CLOSED_EXECUTED, "executada em campo",
                   answers=dict(data.get("form") or {}))
    elif kind == "pausar":
        transition(wo.id, WorkOrderState.PAUSED, str(data.get("reason") or ""))
    elif kind == "retomar":
        transition(wo.id, WorkOrderState.SCHEDULED, "retomada em campo")
    if wo.incident_id and kind not in ("posicao",):
        _on_incident(wo, kind, data, at, photo, username)
    return "aplicada"


def _action_time(raw: Any) -> dt.datetime:
    """When the technician did it (the phone's clock, UTC when it gives no zone); now if
    unreadable."""
    try:
        at = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return utcnow()
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _check_field_data(kind: str, data: dict[str, Any]) -> None:
    """The phone's values for a connection order: a photo's tag (before / after), the
    odometer, a pause's reason; refused with the reason before anything is written."""
    if kind == "foto":
        tag = str(data.get("tag") or "outra")
        if tag not in PHOTO_TAGS:
            raise ValidationError(f"Marcação de foto desconhecida: {tag[:20]}")
        data["tag"] = tag
    if kind == "pausar" and not str(data.get("reason") or "").strip():
        raise ValidationError("Informe o motivo da pausa")
    if data.get("km") not in (None, ""):
        try:
            km = float(data["km"])
        except (TypeError, ValueError):
            raise ValidationError("Quilometragem inválida: informe um número.") from None
        if not 0 <= km < 10_000_000:
            raise ValidationError("Quilometragem inválida: fora da faixa de um hodômetro.")
        data["km"] = km


def _take_action(wo: WorkOrder, tech: Technician, kind: str, data: dict[str, Any],
                 at: dt.datetime) -> None:
    if isinstance(data.get("km"), float):  # the odometer when leaving, and when closing
        if kind in ("a_caminho", "aceitar"):
            wo.km_start = data["km"]
        elif kind == "encerrar":
            if wo.km_start is not None and data["km"] < wo.km_start:
                raise ValidationError("A quilometragem final é menor que a de saída.")
            wo.km_end = data["km"]
    if kind == "inicio":
        wo.started_at = wo.started_at or at
    elif kind == "leitura":
        wo.readings = [*(wo.readings or []), data]
    elif kind == "material":
        wo.materials_used = [*(wo.materials_used or []), data]
    if data.get("lat") is not None and data.get("lon") is not None:
        tech.latitude, tech.longitude, tech.position_at = float(data["lat"]), float(data["lon"]), at
    if data.get("vehicle"):
        wo.vehicle = str(data["vehicle"])[:40]
    session.flush()


def _on_incident(wo: WorkOrder, kind: str, data: dict[str, Any], at: dt.datetime,
                 photo: str | None, username: str) -> None:
    assert wo.incident_id is not None
    inc_svc.timeline(wo.incident_id, "acao", f"{wo.number} (campo): {kind.replace('_', ' ')}"
                     + (f" - {data.get('text') or data.get('value') or ''}" if data else ""),
                     {"work_order_id": wo.id, "kind": kind}, at=at)
    evidence.append(wo.incident_id, "os_campo", {"number": wo.number, "kind": kind,
                                                 "at": at.isoformat(), "data": data,
                                                 "photo_sha256": domain.sha256_hex(photo) if photo else None,
                                                 "by": current_actor().username or username})
