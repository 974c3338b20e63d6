"""Meter readings per billing group and month: CSV import from the reading devices (per-row
report in pt-BR, nothing written when the file has errors), consumption from the previous
reading, six-month history (tender 7.3/7.4)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, tuple_

from commercial.domain.consumption import average, consumption_between
from commercial.domain.documents import matricula_is_valid
from commercial.domain.text import digits, search_key
from commercial.models import (
    BillingGroup,
    Connection,
    Invoice,
    InvoiceState,
    Reading,
    ReadingImport,
    Situation,
)
from core import fmt
from core.audit import audit_context
from core.db import session, transactional
from core.errors import NotFound, ValidationError

ROLLOVER = {"virada", "virada de hidrometro", "volta"}
NOT_READ = {"sem leitura", "impedimento", "portao fechado", "cao bravo", "imovel fechado",
            "hidrometro embacado", "hidrometro quebrado"}
MAX_ERRORS_SHOWN = 200


@dataclass
class RowProblem:
    line: int
    matricula: str
    message: str


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    saved: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(text: str) -> dt.date:
    t = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(t, pattern).date()
        except ValueError:
            continue
    raise ValueError(t)


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


def previous_readings(connection_ids: list[int], year: int, month: int) -> dict[int, Reading]:
    """The latest reading before (year, month) of each connection."""
    if not connection_ids:
        return {}
    s = session()
    out: dict[int, Reading] = {}
    for i in range(0, len(connection_ids), 5000):
        chunk = connection_ids[i:i + 5000]
        rows = s.scalars(select(Reading).where(
            Reading.connection_id.in_(chunk),
            tuple_(Reading.year, Reading.month) < tuple_(year, month))
            .order_by(Reading.connection_id, Reading.year, Reading.month))
        for r in rows:
            out[r.connection_id] = r  # ordered: the last one wins
    return out


def histories(connection_ids: list[int], year: int, month: int,
              months: int = 6) -> dict[int, list[tuple[int, int, int, str]]]:
    """{connection: [(year, month, consumption, kind)]} of the `months` months up to and
    including (year, month), oldest first."""
    if not connection_ids:
        return {}
    y0, m0 = fmt.month_add(year, month, -(months - 1))
    s = session()
    out: dict[int, list[tuple[int, int, int, str]]] = {c: [] for c in connection_ids}
    for i in range(0, len(connection_ids), 5000):
        chunk = connection_ids[i:i + 5000]
        rows = s.execute(select(Reading.connection_id, Reading.year, Reading.month,
                                Reading.consumption, Reading.kind).where(
            Reading.connection_id.in_(chunk),
            tuple_(Reading.year, Reading.month) >= tuple_(y0, m0),
            tuple_(Reading.year, Reading.month) <= tuple_(year, month))
            .order_by(Reading.connection_id, Reading.year, Reading.month))
        for cid, y, m, c, k in rows:
            out[cid].append((y, m, c, k))
    return out


def history(connection_id: int, year: int, month: int, months: int = 6) -> list[tuple[int, int, int, str]]:
    return histories([connection_id], year, month, months)[connection_id]


def _issued(connection_ids: list[int], year: int, month: int) -> set[int]:
    if not connection_ids:
        return set()
    return set(session().scalars(select(Invoice.connection_id).where(
        Invoice.connection_id.in_(connection_ids), Invoice.year == year, Invoice.month == month,
        Invoice.state != InvoiceState.CANCELADA.value)))


def check_rows(group_id: int, year: int, month: int,
               rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ImportReport]:
    """Validate readings [{line, matricula, data, leitura, ocorrencia}] of one group/month."""
    report = ImportReport(file_name="")
    s = session()
    report.rows = len(rows)
    wanted: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        mat = digits(str(r.get("matricula") or ""))
        r["matricula"] = mat
        if not mat:
            report.errors.append(RowProblem(r["line"], "", "Matrícula em branco."))
            continue
        if not matricula_is_valid(mat):
            report.errors.append(RowProblem(r["line"], mat,
                                            "Matrícula com dígito verificador inválido."))
            continue
        wanted.setdefault(mat, []).append(r)
    for mat, rs in wanted.items():
        if len(rs) > 1:
            for r in rs[1:]:
                report.errors.append(RowProblem(r["line"], mat,
                                                f"Matrícula repetida (já na linha {rs[0]['line']})."))
    conns = {c.matricula: c for c in s.scalars(
        select(Connection).where(Connection.matricula.in_(list(wanted))))} if wanted else {}
    prev = previous_readings([c.id for c in conns.values()], year, month)
    issued = _issued([c.id for c in conns.values()], year, month)
    # the six months before, in one query: the average bills an unread meter and flags a
    # consumption far above it (one query per row would cost seconds on a 25,000-row file)
    py, pm = fmt.month_add(year, month, -1)
    past = histories([c.id for c in conns.values()], py, pm, 6)

    def average_before(connection_id: int) -> tuple[int, int]:
        h = past.get(connection_id, [])
        return average(c for _y, _m, c, k in h if k == "real"), len(h)

    first_of_month = dt.date(year, month, 1)
    clean: list[dict[str, Any]] = []
    for mat, rs in wanted.items():
        r = rs[0]
        line = r["line"]
        conn = conns.get(mat)
        if conn is None:
            report.errors.append(RowProblem(line, mat, "Matrícula não cadastrada."))
            continue
        if conn.billing_group_id != group_id:
            report.errors.append(RowProblem(line, mat, "A ligação não pertence a este grupo de faturamento."))
            continue
        if conn.situation == Situation.SUPRIMIDA:
            report.errors.append(RowProblem(line, mat, "Ligação suprimida não recebe leitura."))
            continue
        if conn.id in issued:
            report.errors.append(RowProblem(line, mat, "Fatura do mês já emitida; a leitura não pode mudar."))
            continue
        try:
            read_on = _parse_date(str(r.get("data") or ""))
        except ValueError:
            report.errors.append(RowProblem(line, mat, f"Data inválida: '{r.get('data')}' (use DD/MM/AAAA)."))
            continue
        if not (first_of_month - dt.timedelta(days=20) <= read_on <= first_of_month + dt.timedelta(days=50)):
            report.errors.append(RowProblem(line, mat,
                                            f"Data {read_on:%d/%m/%Y} fora do mês de referência {month:02d}/{year}."))
            continue
        occ = search_key(str(r.get("ocorrencia") or "")) or None
        raw = str(r.get("leitura") or "").strip()
        p = prev.get(conn.id)
        if p is not None and read_on <= p.read_on:
            report.errors.append(RowProblem(line, mat, f"Data da leitura anterior ou igual a última "
                                                       f"({p.read_on:%d/%m/%Y})."))
            continue
        value: int | None
        if raw == "":
            if occ is None:
                report.errors.append(RowProblem(line, mat, "Leitura em branco sem ocorrência."))
                continue
            value = None
        else:
            try:
                value = int(raw.replace(".", ""))
                if value < 0 or value >= 10**7:
                    raise ValueError
            except ValueError:
                report.errors.append(RowProblem(line, mat, f"Leitura inválida: '{raw}' (número inteiro de m3)."))
                continue
        prev_value = p.value if p is not None and p.value is not None else (
            p.previous_value if p is not None else None)
        kind = "real"
        if value is None:
            avg, _n = average_before(conn.id)
            consumption, kind = avg, "media"
        elif prev_value is None:
            consumption = value  # first reading: a new meter starts at zero
        else:
            try:
                consumption = consumption_between(prev_value, value,
                                                         rollover=(occ or "") in ROLLOVER)
            except ValueError:
                report.errors.append(RowProblem(
                    line, mat, f"Leitura {value} menor que a anterior ({prev_value}"
                    f"{' em ' + p.read_on.strftime('%d/%m/%Y') if p else ''}); se o hidrômetro "
                    "deu a volta, informe a ocorrência 'virada'."))
                continue
            avg, n = average_before(conn.id) if consumption > 30 else (0, 0)
            if n >= 3 and avg > 0 and consumption > max(4 * avg, avg + 50):
                report.warnings.append(RowProblem(line, mat, f"Consumo alto: {consumption} m3 "
                                                             f"(média {avg} m3). Conferir."))
        clean.append({"connection_id": conn.id, "read_on": read_on, "value": value,
                      "previous_value": prev_value, "previous_read_on": p.read_on if p else None,
                      "consumption": consumption, "kind": kind, "occurrence": occ})
    report.errors.sort(key=lambda e: e.line)
    return clean, report


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


@transactional
def record_reading(connection_id: int, year: int, month: int, read_on: dt.date,
                   value: int | None, occurrence: str | None = None,
                   reason: str = "Leitura digitada") -> Reading:
    """One reading typed by a person, same checks as the file import."""
    conn = session().get(Connection, connection_id)
    if conn is None:
        raise NotFound("Ligação não encontrada.")
    clean, report = check_rows(conn.billing_group_id or 0, year, month, [{
        "line": 1, "matricula": conn.matricula, "data": read_on.strftime("%d/%m/%Y"),
        "leitura": "" if value is None else str(value), "ocorrencia": occurrence or ""}])
    if report.errors:
        raise ValidationError(report.errors[0].message, fields={"leitura": [report.errors[0].message]})
    s = session()
    with audit_context(reason=reason):
        r = s.scalars(select(Reading).where(Reading.connection_id == connection_id,
                                            Reading.year == year, Reading.month == month)).first()
        if r is None:
            r = Reading(connection_id=connection_id, year=year, month=month)
            s.add(r)
        for k, v in clean[0].items():
            if k != "connection_id":
                setattr(r, k, v)
        s.flush()
    return r


def month_status(group_id: int, year: int, month: int) -> dict[str, int]:
    s = session()
    total = s.scalar(select(func.count(Connection.id)).where(
        Connection.billing_group_id == group_id, Connection.situation != Situation.SUPRIMIDA.value)) or 0
    read = s.scalar(select(func.count(Reading.id)).join(
        Connection, Connection.id == Reading.connection_id).where(
        Connection.billing_group_id == group_id, Reading.year == year, Reading.month == month)) or 0
    return {"ligacoes": total, "lidas": read, "faltam": max(0, total - read)}
