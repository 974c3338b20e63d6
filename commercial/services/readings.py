"""Meter readings per billing group and month: CSV import from the reading devices (per-row
report in pt-BR, nothing written when the file has errors), consumption from the previous
reading, six-month history (tender 7.3/7.4)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select

from commercial.domain.text import search_key
from commercial.models import (
    BillingGroup,
    Connection,
    Reading,
    ReadingImport,
    Situation,
)
from commercial.services.reading_checks import ImportReport, RowProblem, check_rows
from core.audit import audit_context
from core.db import session, transactional
from core.errors import NotFound, ValidationError

MAX_ERRORS_SHOWN = 200


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


HEADERS = {
    "matricula": {"matricula", "matrícula", "ligacao", "inscricao"},
    "data": {"data", "data_leitura", "data leitura", "dt_leitura"},
    "leitura": {"leitura", "leitura_atual", "valor"},
    "ocorrencia": {"ocorrencia", "ocorrência", "anormalidade", "obs"},
}


def parse_csv(content: bytes) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    text = _decode(content)
    if not text.strip():
        return [], [RowProblem(0, "", "Arquivo vazio.")]
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ";"
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    header = next(reader, [])
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        key = search_key(h).replace(" ", "_")
        for name, aliases in HEADERS.items():
            if key in {search_key(a).replace(" ", "_") for a in aliases}:
                cols[name] = i
    missing = [n for n in ("matricula", "data", "leitura") if n not in cols]
    if missing:
        return [], [RowProblem(1, "", "Cabecalho sem as colunas: " + ", ".join(missing) +
                               " (esperado: matrícula;data;leitura;ocorrência).")]
    rows = []
    for n, rec in enumerate(reader, start=2):
        if not any(c.strip() for c in rec):
            continue

        def col(name: str, rec: list[str] = rec) -> str:
            i = cols.get(name)
            return rec[i].strip() if i is not None and i < len(rec) else ""

        rows.append({"line": n, "matricula": col("matricula"), "data": col("data"),
                     "leitura": col("leitura"), "ocorrencia": col("ocorrencia")})
    return rows, []


@transactional
def import_csv(group_id: int, year: int, month: int, content: bytes, file_name: str,
               user_id: int | None = None) -> ImportReport:
    """Import a readings file; raises ValidationError carrying the report when any row is
    wrong (nothing written)."""

    if session().get(BillingGroup, group_id) is None:
        raise NotFound("Grupo de faturamento não encontrado.")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValidationError("Mês de referência inválido.", fields={"mes": ["1 a 12"]})
    rows, problems = parse_csv(content)
    if problems:
        report = ImportReport(file_name=file_name, errors=problems)
        raise ReadingFileInvalid(report)
    if not rows:
        raise ReadingFileInvalid(ImportReport(file_name=file_name,
                                              errors=[RowProblem(0, "", "Arquivo sem leituras.")]))
    clean, report = check_rows(group_id, year, month, rows)
    report.file_name = file_name
    if report.errors:
        raise ReadingFileInvalid(report)
    imp = _save(group_id, year, month, clean, file_name, user_id)
    report.saved = len(clean)
    report.import_id = imp.id
    return report


class ReadingFileInvalid(ValidationError):
    """The file has errors; `report` lists them per row. Nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        n = len(report.errors)
        super().__init__(
            f"O arquivo tem {n} linha(s) com erro; nenhuma leitura foi gravada.",
            fields={f"linha {e.line}": [f"{e.matricula}: {e.message}" if e.matricula else e.message]
                    for e in report.errors[:MAX_ERRORS_SHOWN]})
        self.report = report


def _save(group_id: int, year: int, month: int, clean: list[dict[str, Any]], file_name: str,
          user_id: int | None) -> ReadingImport:
    s = session()
    with audit_context(reason=f"Importação de leituras {month:02d}/{year}: {file_name}"):
        imp = ReadingImport(billing_group_id=group_id, year=year, month=month,
                            file_name=file_name[:200], rows=len(clean), user_id=user_id)
        s.add(imp)
        s.flush()
        existing = {r.connection_id: r for r in s.scalars(select(Reading).where(
            Reading.connection_id.in_([c["connection_id"] for c in clean]),
            Reading.year == year, Reading.month == month))}
        for c in clean:
            r = existing.get(c["connection_id"])
            if r is None:
                r = Reading(connection_id=c["connection_id"], year=year, month=month)
                s.add(r)
            for k in ("read_on", "value", "previous_value", "previous_read_on", "consumption",
                      "kind", "occurrence"):
                setattr(r, k, c[k])
            r.import_id = imp.id
        s.flush()
    return imp


def month_status(group_id: int, year: int, month: int) -> dict[str, int]:
    s = session()
    total = s.scalar(select(func.count(Connection.id)).where(
        Connection.billing_group_id == group_id, Connection.situation != Situation.REMOVED.value)) or 0
    read = s.scalar(select(func.count(Reading.id)).join(
        Connection, Connection.id == Reading.connection_id).where(
        Connection.billing_group_id == group_id, Reading.year == year, Reading.month == month)) or 0
    return {"ligacoes": total, "lidas": read, "faltam": max(0, total - read)}
