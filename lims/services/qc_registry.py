"""LIMS services: the QC registry a laboratory keeps (issue 20 part 2): reference materials
(certified value ± tolerance, lot, expiry), the QC acceptance of each method (duplicate limit,
blank rule) and the worksheet templates (N samples and where the blank, duplicates and
reference standards go). Validation messages are pt-BR, per field; nothing is deleted (a
record is deactivated) and every change is audited through the `Audited` models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import fmt
from core.db import get_or_404, session, transactional
from lims.models.methods import Method
from lims.models.worksheets import QcSetting, ReferenceMaterial, SlotKind, WorksheetTemplate
from lims.services.actor import acting
from lims.services.methods import _day, _dec, _raise, _text

BLANK_RULES = {"ld": "Branco abaixo do LD", "lq": "Branco abaixo do LQ"}
QC_KINDS = {k: v for k, v in SlotKind.labels().items() if k != SlotKind.SAMPLE.value}
MAX_SAMPLES = 200


def _method_id(data: dict[str, Any], errors: dict[str, list[str]]) -> int | None:
    raw = str(data.get("metodo") or "").strip()
    if not raw.isdigit() or session.get(Method, int(raw)) is None:
        errors["metodo"] = ["Escolha o método."]
        return None
    return int(raw)


def _save(obj: Any, values: dict[str, Any], user_id: int | None, reason: str, default: str) -> Any:
    with acting(user_id, reason.strip() or default):
        for k, v in values.items():
            setattr(obj, k, v)
        session.add(obj)
        session.flush()
    return obj


# -- reference materials ----------------------------------------------------------------------

def materials(*, method_id: int | None = None) -> list[ReferenceMaterial]:
    """Every reference material (active first), for the registry page."""
    stmt = select(ReferenceMaterial).order_by(ReferenceMaterial.active.desc(), ReferenceMaterial.code)
    if method_id is not None:
        stmt = stmt.where(ReferenceMaterial.method_id == method_id)
    return list(session.scalars(stmt))


def material(material_id: int) -> ReferenceMaterial:
    return get_or_404(ReferenceMaterial, material_id, "Material de referência não encontrado.")


@transactional
def save_material(data: dict[str, Any], *, material_id: int | None = None, user_id: int | None,
                  reason: str = "", today: dt.date | None = None) -> ReferenceMaterial:
    """Create or update a reference material; a new one may not be already expired."""
    errors: dict[str, list[str]] = {}
    code = _text(data, "codigo", "o código", errors, required=True, size=40)
    values: dict[str, Any] = {
        "code": code, "name": _text(data, "nome", "o nome", errors, required=True),
        "lot": _text(data, "lote", "o lote", errors, required=True, size=60),
        "unit": _text(data, "unidade", "a unidade", errors, size=30),
        "supplier": _text(data, "fornecedor", "o fornecedor", errors, size=120),
        "certified_value": _dec(data, "valor", errors, required=True),
        "tolerance": _dec(data, "tolerancia", errors, required=True),
        "expires_on": _day(data, "validade", errors, required=True),
        "active": bool(data.get("ativo")), "method_id": _method_id(data, errors),
    }
    if values["tolerance"] is not None and values["tolerance"] <= 0:
        errors["tolerancia"] = ["A tolerância deve ser maior que zero."]
    day = today or fmt.today()
    if material_id is None and values["expires_on"] is not None and values["expires_on"] < day:
        errors["validade"] = [f"Material vencido: a validade deve ser a partir de {fmt.date(day)}."]
    dup = session.scalars(select(ReferenceMaterial).where(ReferenceMaterial.code == code)).first()
    if dup is not None and dup.id != material_id:
        errors["codigo"] = ["Já existe um material de referência com este código."]
    _raise(errors, "do material de referência")
    obj = material(material_id) if material_id is not None else ReferenceMaterial()
    return _save(obj, values, user_id, reason, f"material de referência {code} "
                 + ("alterado" if material_id else "cadastrado"))


# -- QC acceptance per method -------------------------------------------------------------------

def settings_by_method() -> dict[int, QcSetting]:
    return {s.method_id: s for s in session.scalars(select(QcSetting))}


@transactional
def save_setting(method_id: int, data: dict[str, Any], *, user_id: int | None,
                 reason: str = "") -> QcSetting:
    """The duplicate's relative difference limit (%, > 0 and ≤ 100) and the blank rule."""
    m = get_or_404(Method, method_id, "Método não encontrado.")
    errors: dict[str, list[str]] = {}
    rpd = _dec(data, "rpd", errors, required=True)
    if rpd is not None and not Decimal(0) < rpd <= Decimal(100):
        errors["rpd"] = ["A diferença relativa máxima deve ser maior que 0 e no máximo 100%."]
    rule = str(data.get("branco") or "")
    if rule not in BLANK_RULES:
        errors["branco"] = ["Escolha a regra do branco (abaixo do LD ou do LQ)."]
    _raise(errors, "do controle de qualidade")
    obj = session.scalars(select(QcSetting).where(QcSetting.method_id == method_id)).first()
    return _save(obj or QcSetting(method_id=method_id), {"duplicate_max_rpd": rpd, "blank_limit": rule},
                 user_id, reason, f"controle de qualidade do método {m.code} alterado")


# -- worksheet templates ------------------------------------------------------------------------

def templates() -> list[WorksheetTemplate]:
    return list(session.scalars(select(WorksheetTemplate).order_by(
        WorksheetTemplate.active.desc(), WorksheetTemplate.name)))


def template(template_id: int) -> WorksheetTemplate:
    return get_or_404(WorksheetTemplate, template_id, "Modelo de planilha não encontrado.")


def layout_rows(data: dict[str, Any]) -> list[tuple[int, dict[str, str]]]:
    """The QC rows of the form (fields tipo_i, posicao_i, de_i, material_i); empty ones skipped."""
    out = []
    for i in range(1, 21):
        row = {k: str(data.get(f"{k}_{i}") or "").strip() for k in ("tipo", "posicao", "de", "material")}
        if row["tipo"]:
            out.append((i, row))
    return out


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _layout(data: dict[str, Any], n: int | None, method_id: int | None,
            errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows = layout_rows(data)
    total = (n or 0) + len(rows)
    taken: dict[int, int] = {}
    out: list[dict[str, Any]] = []
    for i, row in rows:
        kind, pos = row["tipo"], _int(row["posicao"])
        if kind not in QC_KINDS:
            errors[f"tipo_{i}"] = ["Escolha branco, duplicata ou material de referência."]
            continue
        if pos is None or not 1 <= pos <= total:
            errors[f"posicao_{i}"] = [f"A posição deve estar entre 1 e {total} "
                                      f"({n or 0} amostras + {len(rows)} controles)."]
        elif pos in taken:
            errors[f"posicao_{i}"] = [f"A posição {pos} já tem outro controle (linha {taken[pos]})."]
        else:
            taken[pos] = i
        entry: dict[str, Any] = {"tipo": kind, "posicao": pos}
        if kind == SlotKind.DUPLICATE.value:
            k = _int(row["de"])
            if k is None or n is None or not 1 <= k <= n:
                errors[f"de_{i}"] = [f"A duplicata repete uma amostra existente: informe de 1 a {n or 0}."]
            entry["de"] = k
        elif kind == SlotKind.REFERENCE.value:
            rm = session.get(ReferenceMaterial, _int(row["material"]) or 0)
            if rm is None or not rm.active or rm.method_id != method_id:
                errors[f"material_{i}"] = ["Escolha um material de referência ativo do método."]
            else:
                entry["material"] = rm.id
        out.append(entry)
    return sorted(out, key=lambda e: e["posicao"] or 0)


@transactional
def save_template(data: dict[str, Any], *, template_id: int | None = None, user_id: int | None,
                  reason: str = "") -> WorksheetTemplate:
    """Create or update a template: name, method, N samples and the QC positions."""
    errors: dict[str, list[str]] = {}
    name = _text(data, "nome", "o nome", errors, required=True, size=120)
    method_id = _method_id(data, errors)
    n = _int(str(data.get("amostras") or "").strip())
    if n is None or not 1 <= n <= MAX_SAMPLES:
        errors["amostras"] = [f"Informe o número de amostras, de 1 a {MAX_SAMPLES}."]
        n = None
    layout = _layout(data, n, method_id, errors)
    dup = session.scalars(select(WorksheetTemplate).where(WorksheetTemplate.name == name)).first()
    if dup is not None and dup.id != template_id:
        errors["nome"] = ["Já existe um modelo com este nome."]
    _raise(errors, "do modelo de planilha")
    obj = template(template_id) if template_id is not None else WorksheetTemplate()
    values = {"name": name, "method_id": method_id, "sample_count": n, "layout": layout,
              "active": bool(data.get("ativo"))}
    return _save(obj, values, user_id, reason, f"modelo de planilha {name} "
                 + ("alterado" if template_id else "criado"))


def form_of_template(t: WorksheetTemplate) -> dict[str, Any]:
    """A template as the form's values (the inverse of `save_template`)."""
    out: dict[str, Any] = {"nome": t.name, "metodo": str(t.method_id), "amostras": str(t.sample_count),
                           "ativo": t.active}
    for i, e in enumerate(t.layout or [], start=1):
        for k in ("tipo", "posicao", "de", "material"):
            out[f"{k}_{i}"] = "" if e.get(k) is None else str(e[k])
    return out
