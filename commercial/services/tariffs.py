"""Tariff tables (tender 7.5): validity, categories and types, cascade bands, minimum charge,
sewer percentage; copying a table to make the next one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from commercial.domain.money import money
from commercial.domain.tariffs import CATEGORY_LABELS, Band, Category, TariffRule
from commercial.models import Invoice, Tariff, TariffBand, TariffTable
from core.audit import audit_context
from core.db import get_or_404, session, transactional
from core.errors import Conflict, ValidationError


def _dec(v: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        return Decimal(str(v).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(f"Valor inválido: {v!r}")
        return Decimal(0)


def to_rule(t: Tariff, table: TariffTable | None = None) -> TariffRule:
    table = table or t.table
    return TariffRule(
        category=t.category, tariff_type=t.tariff_type, minimum_volume=t.minimum_volume,
        minimum_charge=Decimal(t.minimum_charge),
        bands=tuple(Band(b.lower, b.upper, Decimal(b.price)) for b in
                    sorted(t.bands, key=lambda b: b.lower)),
        sewer_percent=Decimal(t.sewer_percent), table_name=table.name,
        valid_from=table.valid_from, valid_to=table.valid_to)


def tables() -> list[TariffTable]:
    return list(session().scalars(select(TariffTable).order_by(TariffTable.valid_from.desc())))


def get_table(table_id: int) -> TariffTable:
    return get_or_404(TariffTable, table_id, "Tabela tarifária não encontrada.")


def tables_between(start: dt.date, end: dt.date) -> list[TariffTable]:
    """Tables in force at some day of [start, end]."""
    return list(session().scalars(
        select(TariffTable).options(selectinload(TariffTable.tariffs).selectinload(Tariff.bands))
        .where(TariffTable.valid_from <= end,
               or_(TariffTable.valid_to.is_(None), TariffTable.valid_to >= start))
        .order_by(TariffTable.valid_from)))


def rules_between(start: dt.date, end: dt.date) -> list[TariffRule]:
    return [to_rule(t, tbl) for tbl in tables_between(start, end) for t in tbl.tariffs]


def parse_tariffs(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """[{category, tariff_type, minimum_volume, minimum_charge, sewer_percent, description,
    bands: [{lower, upper, price}]}] -> cleaned rows and errors keyed 'tarifa N'."""
    errors: dict[str, list[str]] = {}
    out = []
    seen = set()
    for i, r in enumerate(rows, start=1):
        key = f"tarifa_{i}"
        e: dict[str, list[str]] = {}
        cat = str(r.get("category") or "").strip()
        if cat not in Category._value2member_map_:
            e.setdefault(key, []).append(f"Categoria desconhecida: {cat!r}.")
        ttype = str(r.get("tariff_type") or "normal").strip() or "normal"
        if (cat, ttype) in seen:
            e.setdefault(key, []).append(f"Categoria {cat}/{ttype} repetida.")
        seen.add((cat, ttype))
        try:
            min_vol = int(r.get("minimum_volume") if r.get("minimum_volume") not in (None, "") else 10)
        except (TypeError, ValueError):
            e.setdefault(key, []).append("Volume mínimo inválido.")
            min_vol = 0
        min_charge = _dec(r.get("minimum_charge", 0), key, e)
        sewer = _dec(r.get("sewer_percent", 0), key, e)
        bands = []
        for b in r.get("bands") or []:
            try:
                lower = int(b["lower"])
                upper = None if b.get("upper") in (None, "") else int(b["upper"])
            except (KeyError, TypeError, ValueError):
                e.setdefault(key, []).append("Limites de faixa inválidos.")
                continue
            bands.append(Band(lower, upper, _dec(b.get("price", 0), key, e)))
        bands.sort(key=lambda b: b.lower)
        rule = TariffRule(cat, ttype, min_vol, min_charge, tuple(bands), sewer)
        if not e:
            probs = rule.problems()
            if probs:
                e[key] = [f"{CATEGORY_LABELS.get(cat, cat)}: {p}" for p in probs]
        errors.update(e)
        out.append({"category": cat, "tariff_type": ttype, "minimum_volume": min_vol,
                    "minimum_charge": money(min_charge), "sewer_percent": sewer,
                    "description": str(r.get("description") or "")[:200], "bands": bands})
    if not rows:
        errors["tarifas"] = ["Cadastre ao menos uma categoria."]
    return out, errors


def _check_dates(name: str, valid_from: Any, valid_to: Any, table_id: int | None,
                 errors: dict[str, list[str]]) -> tuple[dt.date | None, dt.date | None]:
    def d(v: Any, field: str) -> dt.date | None:
        if v in (None, ""):
            return None
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            errors[field] = ["Data inválida (use AAAA-MM-DD)."]
            return None

    vf, vt = d(valid_from, "valid_from"), d(valid_to, "valid_to")
    if vf is None and "valid_from" not in errors:
        errors["valid_from"] = ["Informe o início da vigência."]
    if not name:
        errors["name"] = ["Informe o nome da tabela."]
    if vf and vt and vt < vf:
        errors["valid_to"] = ["O fim da vigência e anterior ao início."]
    if vf:
        s = session()
        for other in s.scalars(select(TariffTable).where(TariffTable.id != (table_id or 0))):
            o_to = other.valid_to or dt.date.max
            my_to = vt or dt.date.max
            if other.valid_from <= my_to and vf <= o_to:
                if other.valid_to is None and other.valid_from < vf:
                    continue  # an open table ends where the new one begins (closed below)
                errors.setdefault("valid_from", []).append(
                    f"A vigência se sobrepoe a tabela '{other.name}' "
                    f"({other.valid_from:%d/%m/%Y} a "
                    f"{other.valid_to.strftime('%d/%m/%Y') if other.valid_to else 'sem fim'}).")
    return vf, vt


def _close_previous_open(vf: dt.date, table_id: int | None) -> None:
    s = session()
    for other in s.scalars(select(TariffTable).where(
            TariffTable.valid_to.is_(None), TariffTable.valid_from < vf,
            TariffTable.id != (table_id or 0))):
        other.valid_to = vf - dt.timedelta(days=1)


@transactional
def save_table(name: str, valid_from: Any, valid_to: Any, tariffs: list[dict[str, Any]],
               table_id: int | None = None, legal_basis: str | None = None,
               reason: str | None = None) -> TariffTable:
    """Create or replace a tariff table with all its categories and bands (all or nothing)."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())[:120]
    vf, vt = _check_dates(name, valid_from, valid_to, table_id, errors)
    rows, terr = parse_tariffs(tariffs)
    errors.update(terr)
    if errors:
        raise ValidationError("A tabela tarifária tem erros; nada foi gravado.", fields=errors)
    s = session()
    with audit_context(reason=reason or ("Nova tabela tarifária" if table_id is None
                                         else "Alteração de tabela tarifária")):
        if table_id is None:
            table = TariffTable(name=name, valid_from=vf, valid_to=vt, legal_basis=legal_basis)
            s.add(table)
        else:
            table = get_table(table_id)
            if _table_used(table):
                raise Conflict("Esta tabela já foi usada em faturas; copie-a para uma nova vigência.")
            table.name, table.valid_from, table.valid_to = name, vf, vt
            table.legal_basis = legal_basis
            table.tariffs.clear()
            s.flush()
        _close_previous_open(vf, table.id)  # type: ignore[arg-type]
        for r in rows:
            t = Tariff(category=r["category"], tariff_type=r["tariff_type"],
                       description=r["description"], minimum_volume=r["minimum_volume"],
                       minimum_charge=r["minimum_charge"], sewer_percent=r["sewer_percent"])
            t.bands = [TariffBand(lower=b.lower, upper=b.upper, price=b.price) for b in r["bands"]]
            table.tariffs.append(t)
        s.flush()
    return table


def _table_used(table: TariffTable) -> bool:
    s = session()
    hi = table.valid_to or dt.date.max
    return s.scalars(select(Invoice.id).where(Invoice.issue_date >= table.valid_from,
                                              Invoice.issue_date <= hi).limit(1)).first() is not None


def table_as_rows(table: TariffTable) -> list[dict[str, Any]]:
    return [{"category": t.category, "tariff_type": t.tariff_type, "description": t.description,
             "minimum_volume": t.minimum_volume, "minimum_charge": str(t.minimum_charge),
             "sewer_percent": str(t.sewer_percent),
             "bands": [{"lower": b.lower, "upper": b.upper, "price": str(b.price)}
                       for b in t.bands]} for t in table.tariffs]


@transactional
def copy_table(table_id: int, name: str, valid_from: Any, adjust_percent: Any = 0) -> TariffTable:
    """A new table from an existing one, optionally adjusted by a percentage (reajuste);
    the source table, if open, ends the day before."""
    src = get_table(table_id)
    errors: dict[str, list[str]] = {}
    pct = _dec(adjust_percent or 0, "adjust_percent", errors)
    if errors:
        raise ValidationError("Percentual de reajuste inválido.", fields=errors)
    factor = 1 + pct / 100
    rows = table_as_rows(src)
    for r in rows:
        r["minimum_charge"] = str(money(Decimal(r["minimum_charge"]) * factor))
        for b in r["bands"]:
            b["price"] = str((Decimal(b["price"]) * factor).quantize(Decimal("0.0001")))
    table = save_table(name, valid_from, None, rows,
                       reason=f"Copia da tabela '{src.name}' com reajuste de {pct}%")
    table.copied_from_id = src.id
    session().flush()
    return table


def tender_example_rows(factor: Decimal = Decimal(1)) -> list[dict[str, Any]]:
    """The tender's Residencial/Normal table (7.4) and proportional tables for the others."""

    def mk(cat: str, min_charge: str, prices: list[str], mult: str, sewer: str = "50") -> dict[str, Any]:
        m = Decimal(mult) * factor
        edges = [(10, 15), (15, 20), (20, 25), (25, 30), (30, 50), (50, None)]
        return {"category": cat, "tariff_type": "normal",
                "description": f"{CATEGORY_LABELS[Category(cat)]} normal",
                "minimum_volume": 10, "minimum_charge": str(money(Decimal(min_charge) * m)),
                "sewer_percent": sewer,
                "bands": [{"lower": lo, "upper": hi,
                           "price": str((Decimal(p) * m).quantize(Decimal("0.0001")))}
                          for (lo, hi), p in zip(edges, prices, strict=True)]}

    prices = ["2.10", "2.30", "2.49", "2.86", "3.18", "3.58"]
    return [mk("residencial", "18.90", prices, "1"), mk("comercial", "18.90", prices, "1.6"),
            mk("industrial", "18.90", prices, "2.0"), mk("publica", "18.90", prices, "1.4"),
            mk("social", "18.90", prices, "0.5")]
