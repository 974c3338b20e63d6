"""LIMS services: the registry and the catalogue, edited by a Gestor without code.

One small field spec per entity drives validation, the forms and the API; every save is
audited with the Gestor's reason. Nothing is deleted: records are deactivated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.models import catalogue as cat
from lims.models import registry as reg
from lims.services.actor import acting
from lims.services.registry_entities import CHECKS, ENTITIES, YES, Entity, Field, frequency_choices

# -- field specs ------------------------------------------------------------------------------


def field_choices(f: Field) -> dict[str, str]:
    if f.kind == "choice" and f.name == "frequency":
        return frequency_choices()
    if f.kind == "fk" and f.fk:
        e = ENTITIES[f.fk]
        label = "name"
        rows = session.scalars(select(e.model).order_by(getattr(e.model, e.order_by)))
        return {str(r.id): (f"{r.code} - {r.name}" if hasattr(r, "code") else getattr(r, label))
                for r in rows}
    return f.choices


def entity(key: str) -> Entity:
    e = ENTITIES.get(key)
    if e is None:
        raise NotFound("Cadastro não encontrado.")
    return e


def records(key: str, *, q: str = "", system_id: int | None = None,
            include_inactive: bool = True) -> list[Any]:
    e = entity(key)
    m = e.model
    stmt = select(m).order_by(getattr(m, e.order_by), m.id)
    if q:
        conds = [getattr(m, n).ilike(f"%{q}%") for n in ("name", "code", "number")
                 if hasattr(m, n)]
        stmt = stmt.where(or_(*conds))
    if system_id is not None and hasattr(m, "system_id"):
        stmt = stmt.where(m.system_id == system_id)
    if not include_inactive and hasattr(m, "active"):
        stmt = stmt.where(m.active.is_(True))
    return list(session.scalars(stmt))


def record(key: str, record_id: int) -> Any:
    obj = session.get(entity(key).model, record_id)
    if obj is None:
        raise NotFound(f"{entity(key).singular.capitalize()} não encontrado(a).")
    return obj


def _integer(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValueError("Informe um número inteiro.") from None


def _decimal(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        raise ValueError("Informe um número (ex.: 0,05).") from None


def _float(raw: Any) -> float:
    try:
        return float(str(raw).replace(",", "."))
    except ValueError:
        raise ValueError("Informe um número (ex.: -22,9012).") from None


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(raw), pattern).date()
        except ValueError:
            pass
    raise ValueError("Data inválida (dd/mm/aaaa).")


def _list(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(i).strip() for i in items if str(i).strip()]


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "int": _integer, "fk": _integer, "decimal": _decimal, "float": _float, "date": _date,
    "list": _list}


def _parse(f: Field, raw: Any) -> Any:
    if isinstance(raw, str):
        raw = raw.strip()
    if f.kind == "bool":
        return raw if isinstance(raw, bool) else str(raw or "").lower() in YES
    if raw is None or raw == "":
        return [] if f.kind == "list" else None
    if f.kind in _PARSERS:
        return _PARSERS[f.kind](raw)
    if f.kind == "choice" and str(raw) not in field_choices(f):
        raise ValueError("Opção inválida.")
    return str(raw)


def _values(e: Entity, obj: Any, data: dict[str, Any]
            ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The parsed values of the fields present in `data` (a new record's flags default), and
    the fields that did not parse."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in e.fields:
        if f.name not in data:
            if obj is None and f.kind == "bool":
                values[f.name] = f.name == "active"
            continue
        try:
            values[f.name] = _parse(f, data[f.name])
        except ValueError as exc:
            errors[f.name] = [str(exc)]
    return values, errors


def _check(key: str, e: Entity, obj: Any, values: dict[str, Any],
           errors: dict[str, list[str]]) -> None:
    """Required fields, references, the entity's own checks and uniqueness, into `errors`."""
    for f in e.fields:
        current = values.get(f.name, getattr(obj, f.name, None) if obj is not None else None)
        if f.required and (current is None or current == ""):
            errors.setdefault(f.name, ["Campo obrigatório."])
        if (f.kind == "fk" and values.get(f.name) is not None
                and session.get(ENTITIES[f.fk].model, values[f.name]) is None):
            errors.setdefault(f.name, ["Registro inexistente."])
    if key in CHECKS:
        merged = {f.name: values.get(f.name, getattr(obj, f.name, None) if obj else None)
                  for f in e.fields}
        for k, v in CHECKS[key](merged).items():
            errors.setdefault(k, v)
    for u in e.unique:
        if u in values and values[u] is not None:
            dup = session.scalars(select(e.model).where(getattr(e.model, u) == values[u])).first()
            if dup is not None and dup is not obj:
                errors.setdefault(u, [f"Já existe um(a) {e.singular} com este valor."])


@transactional
def save(key: str, data: dict[str, Any], *, record_id: int | None = None,
         user_id: int | None = None, reason: str = "") -> Any:
    """Create (record_id None) or update one registry record; only the fields present in
    `data` change on update. Audited with `reason`."""
    e = entity(key)
    obj = record(key, record_id) if record_id is not None else None
    values, errors = _values(e, obj, data)
    _check(key, e, obj, values, errors)
    if errors:
        raise ValidationError(f"Verifique os campos do(a) {e.singular}.", fields=errors)
    why = reason.strip() or (f"cadastro: {e.singular}" + (" alterado" if obj else " criado"))
    with acting(user_id, why):
        if obj is None:
            obj = e.model(**values)
            if key == "parametros":  # added by hand (CONAMA, own methods): not from the data file
                obj.custom, obj.version = True, obj.version or "manual"
            session.add(obj)
        else:
            for k, v in values.items():
                setattr(obj, k, v)
        session.flush()
    return obj


@transactional
def confirm_parameter(parameter_id: int, *, user_id: int, reason: str = "") -> cat.Parameter:
    """A Gestor confirms a value the reference marks UNVERIFIED (after checking the DOU)."""
    p = record("parametros", parameter_id)
    if not p.unverified:
        raise Conflict("Este parâmetro não esta marcado como não verificado.")
    with acting(user_id, reason.strip() or "VMP conferido com o texto do DOU"):
        p.unverified = False
        p.confirmed_by_id = user_id
        p.confirmed_at = utcnow()
        session.flush()
    return p


# -- neighbours (recoleta) --------------------------------------------------------------------

def neighbours_map(point_ids: list[int]) -> dict[int, tuple[list[int], list[int]]]:
    out: dict[int, tuple[list[int], list[int]]] = {i: ([], []) for i in point_ids}
    if not point_ids:
        return out
    links = session.scalars(select(reg.PointLink).where(or_(
        reg.PointLink.upstream_id.in_(point_ids), reg.PointLink.downstream_id.in_(point_ids))))
    for link in links:
        if link.downstream_id in out:
            out[link.downstream_id][0].append(link.upstream_id)
        if link.upstream_id in out:
            out[link.upstream_id][1].append(link.downstream_id)
    return out


def point_neighbours(point_id: int) -> tuple[list[int], list[int]]:
    """(upstream ids, downstream ids) of an active point's active neighbours."""
    up, down = neighbours_map([point_id]).get(point_id, ([], []))
    active = set(session.scalars(select(reg.CollectionPoint.id).where(
        reg.CollectionPoint.id.in_(up + down), reg.CollectionPoint.active.is_(True))))
    return sorted(i for i in up if i in active), sorted(i for i in down if i in active)


@transactional
def set_neighbours(point_id: int, *, upstream: list[int], downstream: list[int],
                   user_id: int | None = None, reason: str = "") -> None:
    p = record("pontos", point_id)
    ids = set(upstream) | set(downstream)
    if point_id in ids:
        raise ValidationError("Um ponto não pode ser vizinho de si mesmo.",
                              fields={"montante": ["Ponto repetido."]})
    if set(upstream) & set(downstream):
        raise ValidationError("Um ponto não pode estar a montante e a jusante ao mesmo tempo.",
                              fields={"jusante": ["Ponto repetido."]})
    known = {q.id: q for q in session.scalars(select(reg.CollectionPoint).where(
        reg.CollectionPoint.id.in_(ids)))}
    if bad := [i for i in ids if i not in known or known[i].system_id != p.system_id]:
        raise ValidationError(f"Pontos inexistentes ou de outro sistema: {bad}.",
                              fields={"montante": ["Ponto inválido."]})
    wanted = {(u, point_id) for u in upstream} | {(point_id, d) for d in downstream}
    with acting(user_id, reason.strip() or f"vizinhos do ponto {p.code}"):
        for link in session.scalars(select(reg.PointLink).where(or_(
                reg.PointLink.upstream_id == point_id, reg.PointLink.downstream_id == point_id))):
            if (link.upstream_id, link.downstream_id) not in wanted:
                session.delete(link)
            else:
                wanted.discard((link.upstream_id, link.downstream_id))
        for u, d in sorted(wanted):
            session.add(reg.PointLink(upstream_id=u, downstream_id=d))
        p.updated_at = utcnow()
        session.flush()


@transactional
def add_point_photo(point_id: int, rel_path: str, *, user_id: int | None = None) -> None:
    p = record("pontos", point_id)
    with acting(user_id, "foto do ponto adicionada"):
        p.photos = list(p.photos or []) + [rel_path]
        session.flush()


def system_by_code(code: str) -> reg.SupplySystem | None:
    return session.scalars(select(reg.SupplySystem).where(reg.SupplySystem.code == code)).first()


def expiring_licenses(today: dt.date, days: int = 60) -> list[reg.License]:
    limit = today + dt.timedelta(days=days)
    return list(session.scalars(select(reg.License).where(
        reg.License.active.is_(True), reg.License.expires_on.is_not(None),
        reg.License.expires_on <= limit).order_by(reg.License.expires_on)))
