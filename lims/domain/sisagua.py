"""SISAGUA "Controle mensal - parametros basicos" fields (portaria888.md section 7): pure.

The buckets below are the export FORM's fields as seen in real SISAGUA files [V-SIS], not
compliance decisions (those are in compliance.py, from data). Censored results ("< LD",
"< LQ") fall in the lowest bucket; P95 is nearest-rank over the numeric results.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def fields(code: str, where: str, items: Sequence[Item]) -> list[tuple[str, str]]:
    """[(Campo, Valor)] for one parameter at one point type."""
    n = len(items)
    nums = [i.value for i in items if i.value is not None and not i.censored]

    def count(pred) -> str:  # type: ignore[no-untyped-def]
        return str(sum(1 for i in items if pred(i)))

    def low(limit: str):  # type: ignore[no-untyped-def]
        return lambda i: i.censored or (i.value is not None and i.value < Decimal(limit))

    def le(limit: str):  # type: ignore[no-untyped-def]
        return lambda i: i.censored or (i.value is not None and i.value <= Decimal(limit))

    def gt(limit: str):  # type: ignore[no-untyped-def]
        return lambda i: not i.censored and i.value is not None and i.value > Decimal(limit)

    out = [("Número de amostras analisadas", str(n))]
    p95 = as_reported(p) if (p := percentile(nums)) is not None else ""
    if code in ("coliformes_totais", "escherichia_coli"):
        out += [("Número de amostras com ausência", count(lambda i: i.positive is False)),
                ("Número de amostras com presença", count(lambda i: i.positive is True))]
    elif code == "cloro_residual_livre":
        out += [("Número de amostras com resultado < 0,2 mg/L", count(low("0.2"))),
                ("Número de amostras com resultado >= 0,2 e <= 2,0 mg/L",
                 count(lambda i: not i.censored and i.value is not None
                       and Decimal("0.2") <= i.value <= Decimal("2.0"))),
                ("Número de amostras com resultado > 2,0 e <= 5,0 mg/L",
                 count(lambda i: not i.censored and i.value is not None
                       and Decimal("2.0") < i.value <= Decimal("5.0"))),
                ("Número de amostras com resultado > 5,0 mg/L", count(gt("5.0")))]
        if where == "saida":
            out.append(("Percentil 95", p95))
    elif code == "cor_aparente":
        out += [("Número de amostras com resultado <= 15,0 uH", count(le("15.0"))),
                ("Número de amostras com resultado > 15,0 uH", count(gt("15.0")))]
        if where == "saida":
            out.append(("Percentil 95", p95))
    elif code == "turbidez" and where == "filtrada":
        out += [("Número de amostras com resultado <= 0,3 uT", count(le("0.3"))),
                ("Número de amostras com resultado > 0,3 e <= 0,5 uT",
                 count(lambda i: gt("0.3")(i) and le("0.5")(i))),
                ("Número de amostras com resultado > 0,5 e <= 1,0 uT",
                 count(lambda i: gt("0.5")(i) and le("1.0")(i))),
                ("Número de amostras com resultado > 1,0 uT", count(gt("1.0"))),
                ("Percentil 95", p95)]
    elif code == "turbidez":
        if where == "saida":
            out.append(("Percentil 95", p95))
        else:
            out += [("Número de amostras com resultado <= 5,0 uT", count(le("5.0"))),
                    ("Número de amostras com resultado > 5,0 uT", count(gt("5.0")))]
    elif code == "ph":
        out += [("Número de amostras com resultado < 6,0", count(low("6.0"))),
                ("Número de amostras com resultado >= 6,0 e <= 9,0",
                 count(lambda i: not i.censored and i.value is not None
                       and Decimal("6.0") <= i.value <= Decimal("9.0"))),
                ("Número de amostras com resultado > 9,0", count(gt("9.0")))]
    elif code == "fluoreto":
        out += [("Número de amostras com resultado <= 1,5 mg/L", count(le("1.5"))),
                ("Número de amostras com resultado > 1,5 mg/L", count(gt("1.5"))),
                ("Percentil 95", p95)]
    return out
