"""SISAGUA "Controle mensal - parâmetros básicos" fields (portaria888.md section 7): pure.

The buckets below are the export FORM's fields as seen in real SISAGUA files [V-SIS], not
compliance decisions (those are in compliance.py, from data). Censored results ("< LD",
"< LQ") fall in the lowest bucket; P95 is nearest-rank over the numeric results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lims.domain.compliance import percentile
from lims.domain.vmp import as_reported

POINT_LABELS = {"saida": "SAÍDA DO TRATAMENTO", "rede": "SISTEMA DE DISTRIBUIÇÃO",
                "filtrada": "Pós-filtração ou Pré-desinfecção"}
PARAMETER_LABELS = {
    "cloro_residual_livre": "Cloro Residual Livre (mg/L)",
    "coliformes_totais": "Coliformes totais",
    "escherichia_coli": "Escherichia coli",
    "cor_aparente": "Cor (uH)",
    "turbidez": "Turbidez (uT)",
    "ph": "pH",
    "fluoreto": "Fluoreto (mg/L)",
}


@dataclass(frozen=True)
class Item:
    value: Decimal | None
    censored: bool = False
    positive: bool | None = None


def _count(items: Sequence[Item], pred: Callable[[Item], bool]) -> str:
    return str(sum(1 for i in items if pred(i)))


def _low(limit: str) -> Callable[[Item], bool]:
    return lambda i: i.censored or (i.value is not None and i.value < Decimal(limit))


def _le(limit: str) -> Callable[[Item], bool]:
    return lambda i: i.censored or (i.value is not None and i.value <= Decimal(limit))


def _gt(limit: str) -> Callable[[Item], bool]:
    return lambda i: not i.censored and i.value is not None and i.value > Decimal(limit)


def _within(lo: str, hi: str) -> Callable[[Item], bool]:
    """lo <= value <= hi, a measured value only."""
    return lambda i: (not i.censored and i.value is not None
                      and Decimal(lo) <= i.value <= Decimal(hi))


def _microbiology(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    return [("Número de amostras com ausência", _count(items, lambda i: i.positive is False)),
            ("Número de amostras com presença", _count(items, lambda i: i.positive is True))]


def _chlorine(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    out = [("Número de amostras com resultado < 0,2 mg/L", _count(items, _low("0.2"))),
           ("Número de amostras com resultado >= 0,2 e <= 2,0 mg/L",
            _count(items, _within("0.2", "2.0"))),
           ("Número de amostras com resultado > 2,0 e <= 5,0 mg/L",
            _count(items, lambda i: _gt("2.0")(i) and i.value <= Decimal("5.0"))),
           ("Número de amostras com resultado > 5,0 mg/L", _count(items, _gt("5.0")))]
    return out + ([("Percentil 95", p95)] if where == "saida" else [])


def _colour(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    out = [("Número de amostras com resultado <= 15,0 uH", _count(items, _le("15.0"))),
           ("Número de amostras com resultado > 15,0 uH", _count(items, _gt("15.0")))]
    return out + ([("Percentil 95", p95)] if where == "saida" else [])


def _turbidity(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    if where == "filtrada":
        return [("Número de amostras com resultado <= 0,3 uT", _count(items, _le("0.3"))),
                ("Número de amostras com resultado > 0,3 e <= 0,5 uT",
                 _count(items, lambda i: _gt("0.3")(i) and _le("0.5")(i))),
                ("Número de amostras com resultado > 0,5 e <= 1,0 uT",
                 _count(items, lambda i: _gt("0.5")(i) and _le("1.0")(i))),
                ("Número de amostras com resultado > 1,0 uT", _count(items, _gt("1.0"))),
                ("Percentil 95", p95)]
    if where == "saida":
        return [("Percentil 95", p95)]
    return [("Número de amostras com resultado <= 5,0 uT", _count(items, _le("5.0"))),
            ("Número de amostras com resultado > 5,0 uT", _count(items, _gt("5.0")))]


def _ph(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    return [("Número de amostras com resultado < 6,0", _count(items, _low("6.0"))),
            ("Número de amostras com resultado >= 6,0 e <= 9,0", _count(items, _within("6.0", "9.0"))),
            ("Número de amostras com resultado > 9,0", _count(items, _gt("9.0")))]


def _fluoride(where: str, items: Sequence[Item], p95: str) -> list[tuple[str, str]]:
    return [("Número de amostras com resultado <= 1,5 mg/L", _count(items, _le("1.5"))),
            ("Número de amostras com resultado > 1,5 mg/L", _count(items, _gt("1.5"))),
            ("Percentil 95", p95)]


_FIELDS: dict[str, Callable[[str, Sequence[Item], str], list[tuple[str, str]]]] = {
    "coliformes_totais": _microbiology, "escherichia_coli": _microbiology,
    "cloro_residual_livre": _chlorine, "cor_aparente": _colour, "turbidez": _turbidity,
    "ph": _ph, "fluoreto": _fluoride}


def fields(code: str, where: str, items: Sequence[Item]) -> list[tuple[str, str]]:
    """[(Campo, Valor)] for one parameter at one point type."""
    out = [("Número de amostras analisadas", str(len(items)))]
    if code not in _FIELDS:
        return out
    nums = [i.value for i in items if i.value is not None and not i.censored]
    p95 = as_reported(p) if (p := percentile(nums)) is not None else ""
    return out + _FIELDS[code](where, items, p95)
