"""SISAGUA "Controle" forms as layouts (portaria888.md section 7, [V-SIS] export files): the
columns of each form, the domain of each column, the validation report of a set of rows
(missing field, value out of domain) and the comparison with the previous period. Pure:
rows are lists of strings, as they go into the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lims.domain.sisagua import PARAMETER_LABELS, POINT_LABELS

DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
COUNT = re.compile(r"^\d+$")
NUMBER = re.compile(r"^-?\d+(,\d+)?$")  # decimal comma, no thousands separator
# "Código forma de abastecimento": S (SAA) or C (SAC) + 12 digits, e.g. S350520000003 [V-SIS]
SUPPLY_CODE = re.compile(r"^[SC]\d{12}$")
SEMESTER_POINTS = ("CAPTAÇÃO", "SAÍDA DO TRATAMENTO", "CONSUMO")
SEMESTER_GROUPS = ("Substâncias Inorgânicas", "Substâncias Orgânicas", "Agrotóxicos",
                   "Parâmetros Organolépticos", "Produtos Secundários da Desinfecção",
                   "Radioatividade", "Cianotoxinas")
CENSORED = ("MENOR_LD", "MENOR_LQ")
FILTRATION = ("FILTRAÇÃO RÁPIDA", "FILTRAÇÃO LENTA", "FILTRAÇÃO EM MEMBRANA", "SEM FILTRAÇÃO")
SOURCES = ("SUPERFICIAL", "SUBTERRANEO", "SUPERFICIAL E SUBTERRANEO")
DISINFECTION = ("CLORO GÁS OU HIPOCLORITO", "CLORAMINA", "DIÓXIDO DE CLORO", "OZÔNIO",
                "ULTRAVIOLETA")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    domain: tuple[str, ...] = ()  # allowed values (empty: any)
    pattern: re.Pattern[str] | None = None
    hint: str = ""  # what the pattern asks, for the report


@dataclass(frozen=True)
class Layout:
    code: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that identify a row (comparison)

    @property
    def head(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, **kw: object) -> Column:
    return Column(name, **kw)  # type: ignore[arg-type]


_IDENT = (_c("Ano", pattern=re.compile(r"^\d{4}$"), hint="quatro dígitos"),)
_SUPPLY = (_c("Código forma de abastecimento", pattern=SUPPLY_CODE,
              hint="S ou C seguido de 12 dígitos (código SISAGUA do sistema)"),
           _c("Nome da forma de abastecimento"))
_MONTH = _c("Mês", pattern=re.compile(r"^(1[0-2]|[1-9])$"), hint="1 a 12")

LAYOUTS = {
    "mensal": Layout("mensal", "Controle mensal - parâmetros básicos", _IDENT + (_MONTH,) + _SUPPLY + (
        _c("Ponto de monitoramento", domain=tuple(POINT_LABELS.values())),
        _c("Parâmetro", domain=tuple(PARAMETER_LABELS.values())),
        _c("Campo"),
        _c("Valor", required=False, pattern=NUMBER, hint="número com vírgula decimal")),
        ("Ponto de monitoramento", "Parâmetro", "Campo")),
    "fora_do_padrao": Layout("fora_do_padrao", "Controle mensal - amostras fora do padrão",
                             _IDENT + (_MONTH,) + _SUPPLY + (
        _c("Data da coleta", pattern=DATE, hint="dd/mm/aaaa"),
        _c("Ponto de monitoramento", domain=tuple(POINT_LABELS.values()) + ("CAPTAÇÃO",)),
        _c("Parâmetro"), _c("Resultado"),
        _c("Área", required=False), _c("Local"), _c("Endereço", required=False),
        _c("Latitude", required=False, pattern=NUMBER, hint="número com vírgula decimal"),
        _c("Longitude", required=False, pattern=NUMBER, hint="número com vírgula decimal"),
        _c("Providência do controle")),
        ("Data da coleta", "Local", "Parâmetro")),
    "semestral": Layout("semestral", "Controle semestral", _IDENT + (
        _c("Semestre", domain=("1", "2")),) + _SUPPLY + (
        _c("Data da coleta", pattern=DATE, hint="dd/mm/aaaa"),
        _c("Data da análise", pattern=DATE, hint="dd/mm/aaaa"),
        _c("Ponto", domain=SEMESTER_POINTS), _c("Grupo", domain=SEMESTER_GROUPS),
        _c("Parâmetro"),
        _c("Ld", required=False, pattern=NUMBER, hint="número com vírgula decimal"),
        _c("Lq", required=False, pattern=NUMBER, hint="número com vírgula decimal"),
        _c("Resultado", pattern=re.compile(r"^(-?\d+(,\d+)?|MENOR_LD|MENOR_LQ)$"),
           hint="número com vírgula decimal, MENOR_LD ou MENOR_LQ")),
        ("Ponto", "Parâmetro", "Data da coleta")),
    "cadastro": Layout("cadastro", "Cadastro da forma de abastecimento", _SUPPLY + (
        _c("Tipo da forma de abastecimento", domain=("SAA", "SAC", "SAI")),
        _c("População abastecida", pattern=COUNT, hint="número inteiro de habitantes"),
        _c("Tipo de captação", domain=SOURCES),
        _c("Pontos de captação", pattern=COUNT, hint="número inteiro"),
        _c("Tipo de filtração", domain=FILTRATION),
        _c("Desinfecção", domain=DISINFECTION)),
        ("Código forma de abastecimento",)),
}


@dataclass(frozen=True)
class Issue:
    row: int  # 1-based data row (0: the file as a whole)
    column: str
    value: str
    message: str


def validate(layout: Layout, rows: Sequence[Sequence[str]]) -> list[Issue]:
    """Every missing required field and every value out of its column's domain."""
    out: list[Issue] = []
    if not rows:
        out.append(Issue(0, "", "", "nenhuma linha para enviar neste período"))
    for n, row in enumerate(rows, start=1):
        if len(row) != len(layout.columns):
            out.append(Issue(n, "", "", f"{len(row)} colunas, o formulário tem {len(layout.columns)}"))
            continue
        for col, value in zip(layout.columns, row, strict=True):
            v = (value or "").strip()
            if not v:
                if col.required:
                    out.append(Issue(n, col.name, "", "campo obrigatório vazio"))
                continue
            if col.domain and v not in col.domain:
                out.append(Issue(n, col.name, v, "valor fora do domínio: " + ", ".join(col.domain)))
            elif col.pattern is not None and not col.pattern.match(v):
                out.append(Issue(n, col.name, v, f"formato inválido ({col.hint})"))
    return out


@dataclass(frozen=True)
class Change:
    key: tuple[str, ...]
    kind: str  # "nova" | "removida" | "alterada"
    column: str = ""
    before: str = ""
    after: str = ""


def compare(layout: Layout, previous: Sequence[Sequence[str]],
            current: Sequence[Sequence[str]]) -> list[Change]:
    """What changed from the previous period, by the layout's key; the period columns (Ano,
    Mês, Semestre) and the dates are not compared (they always change)."""
    idx = {c: i for i, c in enumerate(layout.head)}
    skip = {"Ano", "Mês", "Semestre", "Data da coleta", "Data da análise"} - set(layout.key)

    def keyed(rows: Sequence[Sequence[str]]) -> dict[tuple[str, ...], Sequence[str]]:
        return {tuple(r[idx[k]] for k in layout.key): r for r in rows if len(r) == len(idx)}

    old, new = keyed(previous), keyed(current)
    out: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None:
            out.append(Change(key, "nova"))
        elif b is None:
            out.append(Change(key, "removida"))
        else:
            out += [Change(key, "alterada", c, a[i], b[i]) for c, i in idx.items()
                    if c not in skip and c not in layout.key and a[i] != b[i]]
    return out


def to_csv(layout: Layout, rows: Sequence[Sequence[str]]) -> bytes:
    """The file: UTF-8 with BOM (spreadsheets open accents right), ';' separated, CRLF."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(layout.head)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- layouts kept as data (lims/data/sisagua_layouts.toml: the forms the reference does not
# verify); the columns they share with the verified layouts keep those columns' checks
_KNOWN = {c.name: c for c in _IDENT + (_MONTH,) + _SUPPLY}
_KNOWN["Até o mês"] = Column("Até o mês", pattern=_MONTH.pattern, hint=_MONTH.hint)


def data_layout(code: str, spec: dict, domains: dict[str, tuple[str, ...]],
                counts: Sequence[str] = ()) -> Layout:
    """A layout from its data: known columns keep their pattern, `domains` restrict others,
    `counts` are whole numbers."""
    cols = []
    for name in spec["columns"]:
        if name in _KNOWN:
            cols.append(_KNOWN[name])
        elif name in counts:
            cols.append(Column(name, pattern=COUNT, hint="número inteiro"))
        else:
            cols.append(Column(name, domain=domains.get(name, ())))
    return Layout(code, spec["title"], tuple(cols), tuple(spec["key"]))
