"""The FEBRABAN 150 layouts as data (no database): every record covers positions 1 to 150 with
no gap or overlap, a written file parses back, and the parser names line and position."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from commercial.domain.return_layout import (
    COLLECTION,
    DIRECT_DEBIT,
    LAYOUT,
    RECORD_LENGTH,
    LayoutError,
    build_return_file,
    parse_return_file,
)
from commercial.domain.return_outcomes import LineOutcome, OpenInvoice, classify, decide_collection

DAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("record", sorted(LAYOUT))
def test_each_record_covers_the_150_positions(record):
    pos = 1
    for field in LAYOUT[record]:
        assert field.start == pos, (record, field.code)
        assert field.code.startswith(record + ".")
        pos = field.end + 1
    assert pos - 1 == RECORD_LENGTH


def test_a_written_file_parses_back_both_layouts():
    g = [{"paid_on": DAY, "credited_on": DAY, "barcode": "8" * 44, "amount": Decimal("10.05")}]
    parsed = parse_return_file(build_return_file(COLLECTION, g, generated_on=DAY, sequence=12))
    assert parsed.kind == COLLECTION and parsed.header["sequence"] == "000012"
    assert parsed.details[0]["amount"] == Decimal("10.05") and parsed.details[0]["line"] == 2
    f = [{"client_id": "12343", "debit_on": DAY, "amount": Decimal("7.00"), "return_code": "01",
          "company_use": "2026110000012340"}]
    parsed = parse_return_file(build_return_file(DIRECT_DEBIT, f, generated_on=DAY, sequence=1))
    assert parsed.kind == DIRECT_DEBIT and parsed.details[0]["return_code"] == "01"


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda ls: ls[:1] + ls[2:], "Linha 2, posição 2 (Z.02 total de registros do arquivo): o trailer informa 3 registros e o arquivo tem 2"),
    (lambda ls: [ls[0][:1] + "1" + ls[0][2:]] + ls[1:], "Linha 1, posição 2"),  # a remittance
    (lambda ls: ls[:-1], "Linha 2, posição 1: a última linha deve ser o registro Z"),  # no trailer
    (lambda ls: [ls[0], ls[1][:21] + "20261331" + ls[1][29:], ls[2]], "Linha 2, posição 22 (G.03"),
])
def test_layout_errors_name_line_and_position(mutate, where):
    g = [{"paid_on": DAY, "credited_on": DAY, "barcode": "8" * 44, "amount": Decimal("1.00")}]
    lines = build_return_file(COLLECTION, g, generated_on=DAY, sequence=1).decode().split("\r\n")[:-1]
    with pytest.raises(LayoutError) as err:
        parse_return_file("\r\n".join(mutate(lines)).encode())
    assert where in str(err.value)


def test_outcomes_in_file_order():
    inv = OpenInvoice(1, "N1", Decimal("10.00"), False, None)
    paid = OpenInvoice(2, "N2", Decimal("5.00"), False, DAY)
    found = {"A": inv, "B": paid}
    details = [{"line": n, "barcode": b, "amount": Decimal(a), "paid_on": DAY}
               for n, (b, a) in enumerate([("A", "10.00"), ("A", "10.00"), ("X", "1"), ("B", "5.00")], 2)]
    out = classify(details, lambda d: found.get(d["barcode"]), lambda d: d["barcode"], decide_collection)
    assert [r.outcome for r in out] == [LineOutcome.PAID, LineOutcome.DUPLICATE, LineOutcome.UNKNOWN,
                                        LineOutcome.ALREADY_PAID]
