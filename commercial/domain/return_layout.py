"""The banks' return files in the FEBRABAN 150-position layouts, as data, and their parser.

Two layouts share the frame (record A header, details, record Z trailer; every record exactly
150 positions):

- "Layout Padrão de Arrecadação/Recebimento com Utilização do Código de Barras" (utilities'
  collection, "arrecadação"), versions 05/06: detail record G, one per payment, carrying the
  44-digit barcode printed on the invoice;
- "Layout Padrão FEBRABAN de Débito Automático" (150 positions), versions 04/05: detail record
  F, one per debit the company asked for (record E), with the bank's return code.

Source: FEBRABAN's published layouts as summarised in public implementations (e.g. the Python
package febraban_barcode's record A/G/Z writers, the BoletoBr débito automático record F with
its return codes) and checked against each other; positions are 1-based as in the manuals.
The positions live in one table, data/febraban_return_150.csv (code, name, start, length, type,
label and constant of each field, row for row as in the manuals), read into `LAYOUT`: the
parser, the writer (tests, bench, demo) and the report's "linha X, posição Y" messages all read
them from there.

Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

RECORD_LENGTH = 150
COLLECTION = "arrecadacao"
DIRECT_DEBIT = "debito_automatico"
SERVICE_IDS = {"CODIGO DE BARRAS": COLLECTION, "DEBITO AUTOMATICO": DIRECT_DEBIT}
DETAIL_RECORD = {COLLECTION: "G", DIRECT_DEBIT: "F"}


@dataclass(frozen=True)
class Field:
    """One field of a record: FEBRABAN's id (G.05), our name, 1-based start, length, type.

    Types: N digits (an integer), X text (left-aligned, blanks to the right), D date
    AAAAMMDD, V money in cents (digits, two implied decimals), C a literal constant."""

    code: str
    name: str
    start: int
    length: int
    kind: str
    label: str
    const: str = ""

    @property
    def end(self) -> int:
        return self.start + self.length - 1


# The layouts, record by record: the one place positions are written is the table transcribed
# from the manuals, one row a field in the manuals' order (the record is the code's prefix).
def _read_layout(path: Path) -> dict[str, tuple[Field, ...]]:
    records: dict[str, list[Field]] = {}
    with path.open(encoding="utf-8", newline="") as table:
        for row in csv.DictReader(table):
            field = Field(row["code"], row["name"], int(row["start"]), int(row["length"]),
                          row["kind"], row["label"], row["const"])
            records.setdefault(field.code.split(".")[0], []).append(field)
    return {record: tuple(fields) for record, fields in records.items()}


LAYOUT = _read_layout(Path(__file__).parent / "data" / "febraban_return_150.csv")

# Débito automático return codes (record F, F.07): effected ones settle the invoice.
DEBIT_EFFECTED = {"00", "31"}
DEBIT_NO_EFFECT = {"96", "97", "98", "99"}  # register maintenance and cancellations
DEBIT_RETURN_CODES = {
    "00": "Débito efetuado",
    "01": "Insuficiência de fundos",
    "02": "Conta corrente não cadastrada",
    "04": "Outras restrições",
    "05": "Valor do débito excede o limite aprovado",
    "10": "Agência em regime de encerramento",
    "12": "Valor inválido",
    "13": "Data de lançamento inválida",
    "14": "Agência inválida",
    "15": "Conta corrente inválida",
    "18": "Data do débito anterior à do processamento",
    "30": "Sem contrato de débito automático",
    "31": "Débito efetuado em data diferente (feriado na praça de débito)",
    "96": "Manutenção do cadastro",
    "97": "Cancelamento: não encontrado",
    "98": "Cancelamento não efetuado, fora do tempo hábil",
    "99": "Cancelamento conforme solicitação",
}


class LayoutError(ValueError):
    """The file breaks the layout: where (line, 1-based position, field) and why, in pt-BR."""

    def __init__(self, line: int, position: int | None, message: str,
                 field: Field | None = None) -> None:
        where = f"Linha {line}" + (f", posição {position}" if position else "")
        if field is not None:
            where += f" ({field.code} {field.label})"
        super().__init__(f"{where}: {message}")
        self.line, self.position, self.message = line, position, str(self)
        self.field = field.code if field else None


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # arrecadacao | debito_automatico
    header: dict[str, Any]
    details: list[dict[str, Any]]  # each with "line": its line number in the file
    trailer: dict[str, Any]


def _value(field: Field, raw: str, line: int) -> Any:
    if field.kind == "C":
        if raw != field.const:
            raise LayoutError(line, field.start, f"esperado '{field.const}', encontrado '{raw}'.", field)
        return raw
    if field.kind == "X":
        return raw.rstrip()
    if not raw.isdigit():
        bad = next((i for i, ch in enumerate(raw) if not ch.isdigit()), 0)
        raise LayoutError(line, field.start + bad,
                          f"esperado só algarismos, encontrado '{raw.strip() or '(brancos)'}'.", field)
    if field.kind == "N":
        return raw
    if field.kind == "V":
        return Decimal(int(raw)) / 100
    try:  # D
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise LayoutError(line, field.start, f"data inválida '{raw}' (esperado AAAAMMDD).", field) from None


def parse_record(text: str, line: int, allowed: str) -> dict[str, Any]:
    """One 150-position record into {field name: value}, or LayoutError naming the position."""
    if len(text) != RECORD_LENGTH:
        raise LayoutError(line, None, f"o registro tem {len(text)} posições; o layout FEBRABAN "
                                      f"exige {RECORD_LENGTH}.")
    kind = text[0]
    if kind not in allowed:
        expected = " ou ".join(f"'{k}'" for k in allowed)
        raise LayoutError(line, 1, f"registro '{kind}' inesperado aqui (esperado {expected}).")
    out: dict[str, Any] = {"line": line}
    for field in LAYOUT[kind]:
        out[field.name] = _value(field, text[field.start - 1:field.end], line)
    return out


def _lines(content: bytes) -> list[str]:
    text = content.decode("latin-1")  # every byte decodes; the fields say what is wrong
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _header(lines: list[str]) -> tuple[dict[str, Any], str]:
    if not lines:
        raise LayoutError(1, None, "arquivo vazio.")
    header = parse_record(lines[0], 1, "A")
    if header["remittance"] != "2":
        raise LayoutError(1, 2, "não é um arquivo de retorno (código de remessa deve ser 2).",
                          LAYOUT["A"][1])
    kind = SERVICE_IDS.get(header["service"])
    if kind is None:
        expected = " ou ".join(SERVICE_IDS)
        raise LayoutError(1, 82, f"serviço '{header['service']}' desconhecido (esperado "
                                 f"{expected}).", LAYOUT["A"][9])
    return header, kind


def parse_return_file(content: bytes) -> ParsedFile:
    """Parse a whole return file; the first problem raises LayoutError (nothing is half
    read: the caller writes nothing)."""
    lines = _lines(content)
    header, kind = _header(lines)
    if len(lines) < 2:
        raise LayoutError(1, None, "arquivo sem o registro Z (trailer).")
    detail = DETAIL_RECORD[kind]
    details = [parse_record(text, n, detail) for n, text in enumerate(lines[1:-1], start=2)]
    last = len(lines)
    trailer = parse_record(lines[-1], last, "Z" + detail)
    if trailer["record"] != "Z":
        raise LayoutError(last, 1, "a última linha deve ser o registro Z (trailer).")
    if int(trailer["records"]) != last:
        raise LayoutError(last, 2, f"o trailer informa {int(trailer['records'])} registros e o "
                                   f"arquivo tem {last}.", LAYOUT["Z"][1])
    total = sum((d["amount"] for d in details), Decimal(0))
    if trailer["total"] != total:
        raise LayoutError(last, 8, f"o trailer soma {trailer['total']:.2f} e os registros somam "
                                   f"{total:.2f}.", LAYOUT["Z"][2])
    return ParsedFile(kind, header, details, trailer)


# -- writing (the demo, the tests and the bench build files the way a bank would) ------------

def format_record(kind: str, values: dict[str, Any]) -> str:
    """A 150-position record from {field name: value}; missing fields are zeros or blanks."""
    out = []
    for field in LAYOUT[kind]:
        v = values.get(field.name)
        if field.kind == "C":
            out.append(field.const)
        elif field.kind == "X":
            out.append(str(v or "")[:field.length].ljust(field.length))
        elif field.kind == "D":
            out.append(v.strftime("%Y%m%d") if v else "0" * field.length)
        elif field.kind == "V":
            out.append(f"{int(Decimal(v or 0) * 100):0{field.length}d}")
        else:
            out.append(str(v or "").rjust(field.length, "0"))
    return "".join(out)


def build_return_file(kind: str, details: list[dict[str, Any]], *, bank_code: str = "001",
                      bank_name: str = "BANCO DO BRASIL", agreement: str = "0123",
                      company: str = "SAAE", generated_on: dt.date, sequence: int) -> bytes:
    """A whole return file (CRLF line ends, as banks send them)."""
    header = format_record("A", {
        "remittance": "2", "agreement": agreement, "company_name": company,
        "bank_code": bank_code, "bank_name": bank_name, "generated_on": generated_on,
        "sequence": sequence, "version": "05" if kind == COLLECTION else "04",
        "service": "CODIGO DE BARRAS" if kind == COLLECTION else "DEBITO AUTOMATICO"})
    detail = DETAIL_RECORD[kind]
    body = [format_record(detail, {**d, "nsr": d.get("nsr", i)}) for i, d in enumerate(details, 2)]
    total = sum((Decimal(d["amount"]) for d in details), Decimal(0))
    trailer = format_record("Z", {"records": len(details) + 2, "total": total})
    return ("\r\n".join([header, *body, trailer]) + "\r\n").encode("latin-1")
