"""Checking the rows of a readings file before anything is written: every problem of every
row in pt-BR, the consumption of each reading from the previous one (tender 7.3/7.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from commercial.domain.consumption import average, consumption_between
from commercial.domain.documents import matricula_is_valid
from commercial.domain.text import digits, search_key
from commercial.models import (
    Connection,
    Reading,
    Situation,
)
from commercial.services.reading_history import billed_connections, histories, previous_readings
from core import fmt
from core.db import session

ROLLOVER = {"virada", "virada de hidrometro", "volta"}


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


class _Refused(Exception):
    """A row that cannot be saved; the message goes to the report."""


@dataclass
class _Known:
    """What the checks of one file look up once, in bulk (one query per row would cost
    seconds on a 25,000-row file)."""

    group_id: int
    year: int
    month: int
    connections: dict[str, Connection]
    previous: dict[int, Reading]
    issued: set[int]
    past: dict[int, list[tuple[int, int, int, str]]]  # the six months before

    def average_before(self, connection_id: int) -> tuple[int, int]:
        h = self.past.get(connection_id, [])
        return average(c for _y, _m, c, k in h if k == "real"), len(h)


def _by_matricula(rows: list[dict[str, Any]], report: ImportReport) -> dict[str, list[dict[str, Any]]]:
    """The rows by valid matricula; blank, wrong-digit and repeated ones go to the report."""
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
        for r in rs[1:]:
            report.errors.append(RowProblem(r["line"], mat,
                                            f"Matrícula repetida (já na linha {rs[0]['line']})."))
    return wanted


def _load_known(group_id: int, year: int, month: int, matriculas: list[str]) -> _Known:
    conns = {c.matricula: c for c in session().scalars(
        select(Connection).where(Connection.matricula.in_(matriculas)))} if matriculas else {}
    ids = [c.id for c in conns.values()]
    py, pm = fmt.month_add(year, month, -1)
    return _Known(group_id, year, month, conns, previous_readings(ids, year, month),
                  billed_connections(ids, year, month), histories(ids, py, pm, 6))


def _connection(known: _Known, mat: str) -> Connection:
    conn = known.connections.get(mat)
    if conn is None:
        raise _Refused("Matrícula não cadastrada.")
    if conn.billing_group_id != known.group_id:
        raise _Refused("A ligação não pertence a este grupo de faturamento.")
    if conn.situation == Situation.REMOVED:
        raise _Refused("Ligação suprimida não recebe leitura.")
    if conn.id in known.issued:
        raise _Refused("Fatura do mês já emitida; a leitura não pode mudar.")
    return conn


def _read_on(known: _Known, r: dict[str, Any]) -> dt.date:
    try:
        read_on = _parse_date(str(r.get("data") or ""))
    except ValueError:
        raise _Refused(f"Data inválida: '{r.get('data')}' (use DD/MM/AAAA).") from None
    first_of_month = dt.date(known.year, known.month, 1)
    if not (first_of_month - dt.timedelta(days=20) <= read_on <= first_of_month + dt.timedelta(days=50)):
        raise _Refused(f"Data {read_on:%d/%m/%Y} fora do mês de referência "
                       f"{known.month:02d}/{known.year}.")
    return read_on


def _value(raw: str, occ: str | None) -> int | None:
    if raw == "":
        if occ is None:
            raise _Refused("Leitura em branco sem ocorrência.")
        return None
    try:
        value = int(raw.replace(".", ""))
        if value < 0 or value >= 10**7:
            raise ValueError
    except ValueError:
        raise _Refused(f"Leitura inválida: '{raw}' (número inteiro de m3).") from None
    return value


def _consumption(known: _Known, conn: Connection, value: int | None, p: Reading | None,
                 occ: str | None, warn: Callable[[str], None]) -> tuple[int, str]:
    """(consumption, kind) of the reading: the average when unread, the difference to the
    previous reading (past a rolled-over dial when the occurrence says so); a consumption far
    above the average is a warning."""
    prev_value = _previous_value(p)
    if value is None:
        avg, _n = known.average_before(conn.id)
        return avg, "media"
    if prev_value is None:
        return value, "real"  # first reading: a new meter starts at zero
    try:
        consumption = consumption_between(prev_value, value, rollover=(occ or "") in ROLLOVER)
    except ValueError:
        raise _Refused(f"Leitura {value} menor que a anterior ({prev_value}"
                       f"{' em ' + p.read_on.strftime('%d/%m/%Y') if p else ''}); se o hidrômetro "
                       "deu a volta, informe a ocorrência 'virada'.") from None
    avg, n = known.average_before(conn.id) if consumption > 30 else (0, 0)
    if n >= 3 and avg > 0 and consumption > max(4 * avg, avg + 50):
        warn(f"Consumo alto: {consumption} m3 (média {avg} m3). Conferir.")
    return consumption, "real"


def _previous_value(p: Reading | None) -> int | None:
    if p is None:
        return None
    return p.value if p.value is not None else p.previous_value


def _check_row(known: _Known, mat: str, r: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    conn = _connection(known, mat)
    read_on = _read_on(known, r)
    occ = search_key(str(r.get("ocorrencia") or "")) or None
    raw = str(r.get("leitura") or "").strip()
    p = known.previous.get(conn.id)
    if p is not None and read_on <= p.read_on:
        raise _Refused(f"Data da leitura anterior ou igual a última ({p.read_on:%d/%m/%Y}).")
    value = _value(raw, occ)
    consumption, kind = _consumption(
        known, conn, value, p, occ,
        lambda text: report.warnings.append(RowProblem(r["line"], mat, text)))
    return {"connection_id": conn.id, "read_on": read_on, "value": value,
            "previous_value": _previous_value(p), "previous_read_on": p.read_on if p else None,
            "consumption": consumption, "kind": kind, "occurrence": occ}


def check_rows(group_id: int, year: int, month: int,
               rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ImportReport]:
    """Validate readings [{line, matricula, data, leitura, ocorrencia}] of one group/month."""
    report = ImportReport(file_name="")
    report.rows = len(rows)
    wanted = _by_matricula(rows, report)
    known = _load_known(group_id, year, month, list(wanted))
    clean: list[dict[str, Any]] = []
    for mat, rs in wanted.items():
        try:
            clean.append(_check_row(known, mat, rs[0], report))
        except _Refused as exc:
            report.errors.append(RowProblem(rs[0]["line"], mat, str(exc)))
    report.errors.sort(key=lambda e: e.line)
    return clean, report
