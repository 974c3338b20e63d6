"""LIMS services: methods and instruments (issue 20). The one place that says whether an
instrument may be used for a result at a given time, and who may enter results of a method;
the uncertainty ranges of each method, the instruments' calibration / verification /
maintenance records, and the analysts' competences. Every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from core import fmt
from core.auth import User
from core.db import get_or_404, session, transactional
from core.errors import Conflict, PermissionDenied, ValidationError
from lims.domain import uncertainty as unc
from lims.models.catalogue import Parameter
from lims.models.methods import (
    Competence,
    Instrument,
    InstrumentRecord,
    Method,
    MethodRange,
    RecordKind,
)
from lims.services.actor import acting

_Coded = TypeVar("_Coded", Method, Instrument)


def assert_instrument_usable(instrument_id: int, at: dt.datetime | dt.date) -> Instrument:
    """The instrument, if it is active and its calibration is valid on `at`'s local day;
    otherwise a pt-BR ValidationError with code "instrumento_vencido" / "instrumento_inativo"."""
    inst = get_or_404(Instrument, instrument_id, "Instrumento não encontrado.")
    day = fmt.local_date(at)
    if not inst.active:
        msg = f"O instrumento {inst.code} ({inst.name}) está desativado e não pode ser usado."
        raise ValidationError(msg, code="instrumento_inativo", fields={"instrumento": [msg]})
    if inst.calibration_due is None or inst.calibration_due < day:
        since = (f"venceu em {fmt.date(inst.calibration_due)}" if inst.calibration_due
                 else "não tem calibração registrada")
        msg = (f"A calibração do instrumento {inst.code} ({inst.name}) {since}; "
               "registre uma nova calibração antes de usá-lo.")
        raise ValidationError(msg, code="instrumento_vencido", fields={"instrumento": [msg]})
    return inst


# -- reading what a person typed ------------------------------------------------------------------

def _text(data: dict[str, Any], key: str, label: str, errors: dict[str, list[str]], *,
          required: bool = False, size: int = 200) -> str:
    v = str(data.get(key) or "").strip()
    if required and not v:
        errors[key] = [f"Informe {label}."]
    elif len(v) > size:
        errors[key] = [f"{label.capitalize()}: no máximo {size} caracteres."]
    return v


def _dec(data: dict[str, Any], key: str, errors: dict[str, list[str]], *,
         required: bool = False) -> Decimal | None:
    raw = str(data.get(key) or "").strip()
    if not raw:
        if required:
            errors[key] = ["Campo obrigatório."]
        return None
    try:
        v = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        errors[key] = ["Informe um número (ex.: 0,05)."]
        return None
    if not v.is_finite():
        errors[key] = ["Informe um número (ex.: 0,05)."]
        return None
    return v


def _day(data: dict[str, Any], key: str, errors: dict[str, list[str]], *,
         required: bool = False) -> dt.date | None:
    raw = data.get(key)
    if isinstance(raw, dt.date):
        return raw
    raw = str(raw or "").strip()
    if not raw:
        if required:
            errors[key] = ["Informe a data."]
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            pass
    errors[key] = ["Data inválida (dd/mm/aaaa)."]
    return None


def _raise(errors: dict[str, list[str]], what: str) -> None:
    if errors:
        raise ValidationError(f"Verifique os campos {what}.", fields=errors)


def _in_code_order(model: type[_Coded], *conditions: ColumnElement[bool],
                   active_only: bool) -> list[_Coded]:
    """The methods or instruments matching `conditions` (only the active ones if asked), by code."""
    stmt = select(model).where(*conditions).order_by(model.code)
    if active_only:
        stmt = stmt.where(model.active.is_(True))
    return list(session.scalars(stmt))


def _store_coded(model: type[_Coded], noun: str, values: dict[str, Any],
                 errors: dict[str, list[str]], *, record_id: int | None, user_id: int | None,
                 reason: str) -> _Coded:
    """Create (record_id None) or update a method or instrument from checked `values`, audited.
    Its code must be its own: another record of the same kind holding it is an error of
    "codigo", raised with the others (`noun`: "método", "instrumento")."""
    code = values["code"]
    holder = session.scalars(select(model).where(model.code == code)).first()
    if holder is not None and holder.id != record_id:
        errors["codigo"] = [f"Já existe um {noun} com este código."]
    _raise(errors, f"do {noun}")
    obj = (get_or_404(model, record_id, f"{noun.capitalize()} não encontrado.")
           if record_id is not None else model())
    with acting(user_id, reason.strip() or f"{noun} {code} " + ("alterado" if record_id else "criado")):
        for k, v in values.items():
            setattr(obj, k, v)
        session.add(obj)
        session.flush()
    return obj


# -- methods and their uncertainty ranges ---------------------------------------------------------

def methods(*, parameter_id: int | None = None, active_only: bool = False) -> list[Method]:
    of_parameter = [Method.parameter_id == parameter_id] if parameter_id is not None else []
    return _in_code_order(Method, *of_parameter, active_only=active_only)


def method(method_id: int) -> Method:
    return get_or_404(Method, method_id, "Método não encontrado.")


@transactional
def save_method(data: dict[str, Any], *, method_id: int | None = None, user_id: int | None,
                reason: str = "") -> Method:
    """Create or update a method (code, name, parameter, reference, unit, LD, LQ, active)."""
    errors: dict[str, list[str]] = {}
    code = _text(data, "codigo", "o código", errors, required=True, size=40)
    values = {
        "code": code, "name": _text(data, "nome", "o nome", errors, required=True),
        "reference": _text(data, "referencia", "a referência", errors),
        "unit": _text(data, "unidade", "a unidade", errors, size=30),
        "ld": _dec(data, "ld", errors), "lq": _dec(data, "lq", errors),
        "active": bool(data.get("ativo")),
    }
    pid = str(data.get("parametro") or "")
    if not pid.isdigit() or session.get(Parameter, int(pid)) is None:
        errors["parametro"] = ["Escolha o parâmetro."]
    else:
        values["parameter_id"] = int(pid)
    if values["ld"] is not None and values["lq"] is not None and values["lq"] < values["ld"]:
        errors["lq"] = ["O LQ não pode ser menor que o LD."]
    return _store_coded(Method, "método", values, errors, record_id=method_id, user_id=user_id,
                        reason=reason)


def ranges(method_id: int) -> list[MethodRange]:
    return list(session.scalars(select(MethodRange).where(MethodRange.method_id == method_id)
                                .order_by(MethodRange.low)))


def _as_range(r: MethodRange) -> unc.Range:
    return unc.Range(r.low, r.high, r.u_abs, r.u_rel)


@transactional
def save_range(method_id: int, data: dict[str, Any], *, range_id: int | None = None,
               user_id: int | None, reason: str = "") -> MethodRange:
    """A concentration range of the method with its expanded uncertainty (absolute or %)."""
    m = method(method_id)
    errors: dict[str, list[str]] = {}
    low = _dec(data, "de", errors, required=True)
    high = _dec(data, "ate", errors)
    u_abs, u_rel = _dec(data, "u_abs", errors), _dec(data, "u_rel", errors)
    if low is not None and high is not None and high <= low:
        errors["ate"] = ["O fim da faixa deve ser maior que o início."]
    if (u_abs is None) == (u_rel is None) and "u_abs" not in errors and "u_rel" not in errors:
        errors["u_abs"] = ["Informe a incerteza absoluta ou a relativa (%), apenas uma."]
    if any(v is not None and v < 0 for v in (u_abs, u_rel)):
        errors["u_abs"] = ["A incerteza não pode ser negativa."]
    _raise(errors, "da faixa")
    assert low is not None
    others = [_as_range(r) for r in ranges(method_id) if r.id != range_id]
    if unc.ranges_overlap([*others, unc.Range(low, high, u_abs, u_rel)]):
        msg = "A faixa se sobrepõe a outra faixa deste método."
        raise ValidationError(msg, fields={"de": [msg]})
    obj = (get_or_404(MethodRange, range_id, "Faixa não encontrada.") if range_id is not None
           else MethodRange(method_id=m.id))
    with acting(user_id, reason.strip() or f"faixa de incerteza do método {m.code}"):
        obj.low, obj.high, obj.u_abs, obj.u_rel = low, high, u_abs, u_rel
        obj.notes = _text(data, "observacoes", "as observações", {}, size=300)
        session.add(obj)
        session.flush()
    return obj


def uncertainty(method_id: int | None, value: Decimal | None) -> Decimal | None:
    """The expanded uncertainty (k = 2) of `value` measured by the method, from its ranges."""
    if method_id is None or value is None:
        return None
    return unc.expanded_uncertainty(value, [_as_range(r) for r in ranges(method_id)])


def method_for(parameter_id: int, method_id: int | None) -> Method | None:
    """The method a result is measured by: the one chosen (it must be of the parameter and
    active), else the parameter's only active method, else None (no method registered)."""
    if method_id is not None:
        m = method(method_id)
        if m.parameter_id != parameter_id or not m.active:
            msg = f"O método {m.code} não está ativo para este parâmetro."
            raise ValidationError(msg, code="metodo_invalido", fields={"metodo": [msg]})
        return m
    active = methods(parameter_id=parameter_id, active_only=True)
    return active[0] if len(active) == 1 else None


# -- competence -----------------------------------------------------------------------------------

def competences(*, method_id: int | None = None, user_id: int | None = None) -> list[Competence]:
    stmt = select(Competence).order_by(Competence.method_id, Competence.user_id)
    if method_id is not None:
        stmt = stmt.where(Competence.method_id == method_id)
    if user_id is not None:
        stmt = stmt.where(Competence.user_id == user_id)
    return list(session.scalars(stmt))


def is_competent(user_id: int | None, method_id: int) -> bool:
    return user_id is not None and session.scalars(select(Competence.id).where(
        Competence.user_id == user_id, Competence.method_id == method_id,
        Competence.active.is_(True)).limit(1)).first() is not None


def assert_competent(user_id: int | None, m: Method) -> None:
    """Only an analyst authorised for the method may enter its results (pt-BR refusal, code
    "analista_nao_habilitado")."""
    if is_competent(user_id, m.id):
        return
    u = session.get(User, user_id) if user_id else None
    who = u.name if u else "Este usuário"
    raise PermissionDenied(f"{who} não está habilitado(a) para o método {m.code} ({m.name}); "
                           "peça ao Supervisor o registro da competência.",
                           code="analista_nao_habilitado")


@transactional
def grant(user_id: int, method_id: int, *, granted_on: dt.date, evidence: str = "",
          by_id: int | None, reason: str = "") -> Competence:
    """Authorise an analyst for a method (reactivates a revoked competence)."""
    m = method(method_id)
    u = get_or_404(User, user_id, "Usuário não encontrado.")
    c = session.scalars(select(Competence).where(Competence.user_id == user_id,
                                                 Competence.method_id == method_id)).first()
    if c is not None and c.active:
        raise Conflict(f"{u.name} já está habilitado(a) para {m.code}.", code="ja_habilitado")
    with acting(by_id, reason.strip() or f"competência de {u.name} em {m.code}"):
        c = c or Competence(user_id=user_id, method_id=method_id)
        c.granted_on, c.evidence, c.active = granted_on, evidence.strip()[:300], True
        session.add(c)
        session.flush()
    return c


@transactional
def revoke(competence_id: int, *, by_id: int | None, reason: str) -> Competence:
    c = get_or_404(Competence, competence_id, "Competência não encontrada.")
    if len((reason or "").strip()) < 10:
        msg = "Informe o motivo da revogação (mínimo de 10 caracteres)."
        raise ValidationError(msg, fields={"motivo": [msg]})
    with acting(by_id, f"competência revogada: {reason.strip()}"):
        c.active = False
        session.flush()
    return c


# -- instruments and their records ----------------------------------------------------------------

def instruments(*, active_only: bool = False) -> list[Instrument]:
    return _in_code_order(Instrument, active_only=active_only)


def instrument(instrument_id: int) -> Instrument:
    return get_or_404(Instrument, instrument_id, "Instrumento não encontrado.")


@transactional
def save_instrument(data: dict[str, Any], *, instrument_id: int | None = None,
                    user_id: int | None, reason: str = "") -> Instrument:
    errors: dict[str, list[str]] = {}
    code = _text(data, "codigo", "o código", errors, required=True, size=40)
    values = {"code": code, "name": _text(data, "nome", "o nome", errors, required=True, size=120),
              "kind": _text(data, "tipo", "o tipo", errors, size=60),
              "serial": _text(data, "serie", "o número de série", errors, size=80) or None,
              "location": _text(data, "local", "o local", errors, size=120) or None,
              "active": bool(data.get("ativo"))}
    return _store_coded(Instrument, "instrumento", values, errors, record_id=instrument_id,
                        user_id=user_id, reason=reason)


def records(instrument_id: int) -> list[InstrumentRecord]:
    return list(session.scalars(select(InstrumentRecord).where(
        InstrumentRecord.instrument_id == instrument_id)
        .order_by(InstrumentRecord.performed_on.desc(), InstrumentRecord.id.desc())))


@transactional
def add_record(instrument_id: int, data: dict[str, Any], *, user_id: int | None) -> InstrumentRecord:
    """Record a calibration, verification or maintenance; the latest calibration (by the day
    it was performed) sets the instrument's calibration due date."""
    inst = instrument(instrument_id)
    errors: dict[str, list[str]] = {}
    kind = str(data.get("tipo") or "")
    if kind not in {k.value for k in RecordKind}:
        errors["tipo"] = ["Escolha calibração, verificação ou manutenção."]
    performed = _day(data, "data", errors, required=True)
    due = _day(data, "vencimento", errors, required=kind == RecordKind.CALIBRATION.value)
    if performed and performed > fmt.today():
        errors["data"] = ["A data não pode estar no futuro."]
    if performed and due and due <= performed:
        errors["vencimento"] = ["O vencimento deve ser depois da data do registro."]
    certificate = _text(data, "certificado", "o certificado", errors,
                        required=kind == RecordKind.CALIBRATION.value, size=120)
    who = _text(data, "responsavel", "quem executou", errors, required=True)
    _raise(errors, "do registro")
    rec = InstrumentRecord(instrument_id=inst.id, kind=kind, performed_on=performed, due_on=due,
                           certificate=certificate, performed_by=who, recorded_by_id=user_id,
                           notes=_text(data, "observacoes", "as observações", {}, size=2000) or None)
    label = RecordKind(kind).label.lower()
    with acting(user_id, f"{label} do instrumento {inst.code} em {fmt.date(performed)}"):
        session.add(rec)
        session.flush()
        latest = session.scalars(select(InstrumentRecord).where(
            InstrumentRecord.instrument_id == inst.id,
            InstrumentRecord.kind == RecordKind.CALIBRATION.value)
            .order_by(InstrumentRecord.performed_on.desc(), InstrumentRecord.id.desc())).first()
        if latest is not None and inst.calibration_due != latest.due_on:
            inst.calibration_due = latest.due_on
        session.flush()
    return rec


def due_soon(today: dt.date, days: int) -> list[tuple[Instrument, int]]:
    """Active instruments whose calibration is due within `days` (or already expired), with
    the days left (negative: expired), soonest first: the dashboard's warning."""
    limit = today + dt.timedelta(days=days)
    rows = session.scalars(select(Instrument).where(
        Instrument.active.is_(True),
        (Instrument.calibration_due.is_(None)) | (Instrument.calibration_due <= limit))
        .order_by(Instrument.calibration_due, Instrument.code))
    return [(i, (i.calibration_due - today).days if i.calibration_due else -1) for i in rows]
