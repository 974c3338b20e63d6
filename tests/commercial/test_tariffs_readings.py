"""Tariff tables (validity, copy with adjustment, validation) and the readings CSV import
(per-row pt-BR report, nothing written when any row is wrong)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from commercial.models import Reading, ReadingImport, TariffTable
from commercial.services import reading_history, readings, tariffs
from core.errors import ValidationError
from tests.commercial.conftest import add_readings


def test_copy_table_with_adjustment_closes_the_previous(db, setup_billing):
    src = tariffs.tables()[-1]
    new = tariffs.copy_table(src.id, "Tabela 2026", "2026-04-01", "10")
    db.refresh(src)
    assert src.valid_to == dt.date(2026, 3, 31) and new.copied_from_id == src.id
    res = next(t for t in new.tariffs if t.category == "residencial")
    assert res.minimum_charge == D("20.79")
    assert [b.price for b in res.bands][:2] == [D("2.3100"), D("2.5300")]
    rules = tariffs.rules_between(dt.date(2026, 3, 20), dt.date(2026, 4, 19))
    assert {r.table_name for r in rules} == {src.name, "Tabela 2026"}


def test_table_validation_lists_every_problem_and_writes_nothing(db, setup_billing):
    n = db.scalar(select(func.count(TariffTable.id)))
    rows = tariffs.tender_example_rows()
    rows[0]["bands"][1]["lower"] = 16  # a gap between bands
    rows[1]["category"] = "rural"
    rows.append(dict(rows[2]))  # industrial twice
    with pytest.raises(ValidationError) as exc:
        tariffs.save_table("", "2025-06-01", "2025-05-01", rows)
    f = exc.value.fields
    assert "name" in f and "valid_to" in f
    assert any("comecar em 15" in m for m in f["tarifa_1"])
    assert any("Categoria desconhecida" in m for m in f["tarifa_2"])
    assert any("repetida" in m for m in f["tarifa_6"])
    assert db.scalar(select(func.count(TariffTable.id))) == n
    with pytest.raises(ValidationError) as exc:  # overlaps the open table started earlier? no:
        tariffs.save_table("Sobreposta", "2024-06-01", "2025-06-30", tariffs.tender_example_rows())
    assert "sobrepoe" in exc.value.fields["valid_from"][0]


CSV_OK = """matrícula;data;leitura;ocorrência
{a};18/10/2026;1130;
{b};18/10/2026;;portao fechado
{c};18/10/2026;12;virada
"""


def test_csv_import_computes_consumption(db, make_connection, setup_billing):
    a, b, c = make_connection(), make_connection(), make_connection()
    add_readings(db, a, [1000, 1020, 1040, 1100], (2026, 9))
    add_readings(db, b, [500, 510, 522, 540], (2026, 9))
    add_readings(db, c, [999_990], (2026, 9))
    csv = CSV_OK.format(a=a.matricula, b=b.matricula, c=c.matricula).encode("cp1252")
    rep = readings.import_csv(setup_billing.id, 2026, 10, csv, "coletor1.csv", user_id=None)
    assert rep.ok and rep.saved == 3
    got = {r.connection_id: r for r in db.scalars(select(Reading).where(Reading.year == 2026,
                                                                         Reading.month == 10))}
    assert (got[a.id].consumption, got[a.id].previous_value, got[a.id].kind) == (30, 1100, "real")
    assert got[b.id].kind == "media" and got[b.id].consumption == 10  # (0+10+12+18)/4
    assert got[c.id].consumption == 22  # the dial turned past 999999
    assert reading_history.history(a.id, 2026, 10)[-2:] == [(2026, 9, 60, "real"), (2026, 10, 30, "real")]
    assert readings.month_status(setup_billing.id, 2026, 10)["lidas"] == 3


def test_csv_with_errors_writes_nothing_and_reports_each_row(db, make_connection, setup_billing):
    a, b = make_connection(), make_connection()
    add_readings(db, a, [1000, 1100], (2026, 9))
    n_before = db.scalar(select(func.count(Reading.id)))
    csv = (f"matricula,data,leitura\n{a.matricula},18/10/2026,1130\n{b.matricula[:-1]}9,18/10/2026,5\n"
           f"99999999,18/10/2026,5\n{a.matricula},19/10/2026,1131\n{b.matricula},32/10/2026,5\n"
           f"{b.matricula},18/10/2026,-4\n").encode()
    with pytest.raises(readings.ReadingFileInvalid) as exc:
        readings.import_csv(setup_billing.id, 2026, 10, csv, "ruim.csv")
    rep = exc.value.report
    msgs = {e.line: e.message for e in rep.errors}
    assert "dígito verificador" in msgs[3] or "não cadastrada" in msgs[3]
    assert "repetida" in msgs[5] and "Data inválida" in msgs[6]
    assert "repetida" in msgs[7]
    assert exc.value.fields and "linha 5" in exc.value.fields
    assert db.scalar(select(func.count(Reading.id))) == n_before
    assert db.scalar(select(func.count(ReadingImport.id))) == 0
    low = f"matricula;data;leitura\n{a.matricula};18/10/2026;900\n".encode()
    with pytest.raises(readings.ReadingFileInvalid) as exc:
        readings.import_csv(setup_billing.id, 2026, 10, low, "baixa.csv")
    assert "menor que a anterior" in exc.value.report.errors[0].message
    with pytest.raises(readings.ReadingFileInvalid) as exc:
        readings.import_csv(setup_billing.id, 2026, 10, b"foo;bar\n1;2\n", "sem-cabecalho.csv")
    assert "Cabecalho" in exc.value.report.errors[0].message


def test_reading_of_another_group_is_refused(db, make_connection, setup_billing):
    from commercial.models import BillingGroup

    other = BillingGroup(number=999, name="Outro")
    db.add(other)
    db.flush()
    a = make_connection(group=other)
    with pytest.raises(readings.ReadingFileInvalid) as exc:
        readings.import_csv(setup_billing.id, 2026, 10,
                            f"matricula;data;leitura\n{a.matricula};18/10/2026;10\n".encode(), "x.csv")
    assert "não pertence" in exc.value.report.errors[0].message
