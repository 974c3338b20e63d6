"""Pure commercial rules, table tests: matricula check digit, CPF/CNPJ, mobiles, the tariff
cascade (the tender's example and its edges), FEBRABAN barcode and typed line, PIX BR Code,
personalised messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from commercial.domain.consumption import average, consumption_between
from commercial.domain.contacts import brazilian_mobile, format_phone
from commercial.domain.dates import next_business_day
from commercial.domain.documents import (
    cnpj_is_valid,
    cpf_is_valid,
    document_kind,
    format_document,
    format_matricula,
    mask_document,
    matricula_is_valid,
    matricula_with_dv,
    parse_matricula,
)
from commercial.domain.febraban import (
    barcode_from_typed_line,
    barcode_is_valid,
    collection_barcode,
    format_typed_line,
    invoice_free_field,
    mod10,
    mod11,
    typed_line,
)
from commercial.domain.geometry import point_in_polygon
from commercial.domain.messages import (
    InvoiceFacts,
    MessageRuleData,
    messages_for,
    render_text,
    template_problems,
)
from commercial.domain.money import money, positive_amount
from commercial.domain.pix import crc16_ccitt, pix_payload
from commercial.domain.tariffs import Band, TariffRule, cascade, compute_bill
from core import fmt

# -- matricula --------------------------------------------------------------------------------

@pytest.mark.parametrize("base,full", [
    (1234, "12343"), (100, "1007"),  # the issue's two examples
    (1, "19"), (2, "27"), (10, "108"), (11, "116"),
    (19, "191"),  # 9x2 + 1x3 = 21, remainder 10 -> digit 1
    (1000, "10006"), (99999999, "999999990"),  # 9 x 44 = 396, remainder 0 -> digit 0
    (5, "51"),  # 5x2 = 10, remainder 10 -> digit 1
    (6, "60"),  # 6x2 = 12, remainder 1 -> digit 0
])
def test_matricula_check_digit(base, full):
    assert matricula_with_dv(base) == full
    assert full[-1] == str(_reference_mod11(str(base)))
    assert matricula_is_valid(full)


def _reference_mod11(number: str) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    s = sum(int(c) * weights[i % 8] for i, c in enumerate(reversed(number)))
    r = s % 11
    return 0 if r in (0, 1) else 11 - r


def test_matricula_exhaustive_against_reference_and_single_digit_errors():
    for n in range(1, 20_000):
        full = matricula_with_dv(n)
        assert full[-1] == str(_reference_mod11(str(n)))
        assert matricula_is_valid(full)
    # every single wrong check digit is refused
    for n in (1234, 100, 98765):
        full = matricula_with_dv(n)
        for dv in "0123456789":
            if dv != full[-1]:
                assert not matricula_is_valid(full[:-1] + dv)


@pytest.mark.parametrize("text,expected", [
    ("12343", (1234, "12343")), ("1234-3", (1234, "12343")), ("1234", (1234, None)),
    ("", (None, None)), ("abc", (None, None)),
])
def test_parse_matricula(text, expected):
    assert parse_matricula(text) == expected


def test_matricula_refuses_zero_and_formats():
    with pytest.raises(ValueError):
        matricula_with_dv(0)
    assert format_matricula("12343") == "1234-3"


# -- CPF / CNPJ -------------------------------------------------------------------------------

@pytest.mark.parametrize("cpf,ok", [
    ("529.982.247-25", True), ("52998224725", True), ("111.444.777-35", True),
    ("529.982.247-24", False), ("111.111.111-11", False), ("000.000.000-00", False),
    ("1234567890", False), ("", False), ("123.456.789-09", True), ("123.456.789-00", False),
])
def test_cpf(cpf, ok):
    assert cpf_is_valid(cpf) is ok


@pytest.mark.parametrize("cnpj,ok", [
    ("11.222.333/0001-81", True), ("11222333000181", True), ("11.222.333/0001-80", False),
    ("00.000.000/0000-00", False), ("12.ABC.345/01DE-35", True),  # alphanumeric (RFB example)
    ("12.ABC.345/01DE-36", False), ("12345678000195", True), ("123", False),
])
def test_cnpj(cnpj, ok):
    assert cnpj_is_valid(cnpj) is ok


def test_document_kind_and_masks():
    assert document_kind("529.982.247-25") == "cpf"
    assert document_kind("11.222.333/0001-81") == "cnpj"
    assert document_kind("52998224720") is None
    assert mask_document("52998224725") == "***.982.247-**"
    assert format_document("11222333000181") == "11.222.333/0001-81"


# -- mobiles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("(19) 99876-5432", "+5519998765432"),
    ("19998765432", "+5519998765432"),
    ("+55 19 99876-5432", "+5519998765432"),
    ("5519998765432", "+5519998765432"),
    ("019 99876 5432", "+5519998765432"),
    ("0 21 19 99876-5432", "+5519998765432"),  # carrier code
    ("(11) 91234-5678", "+5511912345678"),
    ("(19) 3456-7890", None),  # landline
    ("(19) 9876-5432", None),  # old 8-digit mobile, no longer valid
    ("(20) 99876-5432", None),  # DDD 20 does not exist
    ("(19) 90876-5432", None),  # 9 followed by 0
    ("(19) 99999-9999", None),  # placeholder
    ("+1 415 555 0100", None),
    ("", None), (None, None), ("abc", None),
])
def test_brazilian_mobile(text, expected):
    assert brazilian_mobile(text) == expected


def test_mobile_default_ddd_and_format():
    assert brazilian_mobile("99876-5432", default_ddd="19") == "+5519998765432"
    assert format_phone("+5519998765432") == "(19) 99876-5432"


# -- tariff cascade ---------------------------------------------------------------------------

def tender_rule(category="residencial", table="T1", valid_from=None, factor=D(1), sewer=D(50)):
    prices = [D("2.10"), D("2.30"), D("2.49"), D("2.86"), D("3.18"), D("3.58")]
    edges = [(10, 15), (15, 20), (20, 25), (25, 30), (30, 50), (50, None)]
    return TariffRule(category, "normal", 10, money(D("18.90") * factor),
                        tuple(Band(lo, hi, p * factor) for (lo, hi), p in zip(edges, prices, strict=True)),
                        sewer, table, valid_from)


def test_tender_example_30m3_one_economia():
    c = cascade(tender_rule(), 30)
    assert [(b.label, b.amount) for b in c.bands] == [
        ("00 a 10", D("18.90")), ("11 a 15", D("10.50")), ("16 a 20", D("11.50")),
        ("21 a 25", D("12.45")), ("26 a 30", D("14.30"))]
    assert c.water == D("67.65")
    assert c.sewer == D("33.83")  # 33.825 half-up; round() would give 33.82
    assert c.water + c.sewer == D("101.48")
    assert round(D("33.825"), 2) == D("33.82")  # why we never use round()
    bill = compute_bill(30, {"residencial": 1}, [tender_rule()])
    assert (bill.water, bill.sewer, bill.total) == (D("67.65"), D("33.83"), D("101.48"))


@pytest.mark.parametrize("m3,water", [
    (0, "18.90"), (1, "18.90"), (10, "18.90"),  # minimum charge up to 10 m3, even with zero
    (11, "21.00"), (15, "29.40"), (16, "31.70"), (20, "40.90"), (21, "43.39"), (25, "53.35"),
    (26, "56.21"), (30, "67.65"), (31, "70.83"), (50, "131.25"), (51, "134.83"),
    (100, "310.25"),
])
def test_cascade_band_edges(m3, water):
    assert cascade(tender_rule(), m3).water == D(water)


def test_several_economias_split_the_consumption():
    # 60 m3 over 2 residential economias = 30 m3 each = 2 x 67.65
    bill = compute_bill(60, {"residencial": 2}, [tender_rule()])
    assert bill.per_economia_consumption == D("30.000")
    assert bill.water == D("135.30") and bill.sewer == D("67.66")
    # 25 m3 over 2: 12.5 each -> 18.90 + 2.5 x 2.10 = 24.15 each
    bill = compute_bill(25, {"residencial": 2}, [tender_rule()])
    assert bill.water == D("48.30")
    # zero consumption: the minimum per economia
    bill = compute_bill(0, {"residencial": 3}, [tender_rule()])
    assert bill.water == D("56.70") and bill.sewer == D("28.35")


def test_mixed_categories():
    rules = [tender_rule("residencial"), tender_rule("comercial", factor=D("1.6"))]
    bill = compute_bill(60, {"residencial": 1, "comercial": 1}, rules)
    res, com = bill.lines
    assert (res.category, com.category) == ("residencial", "comercial")
    assert res.water == D("67.65")
    assert com.per_economia.bands[0].amount == D("30.24")
    assert com.water == D("108.24")  # every band x 1.6, each rounded to the cent
    assert bill.water == D("175.89") and bill.sewer == D("87.95")


def test_no_sewer_and_unknown_category():
    bill = compute_bill(30, {"residencial": 1}, [tender_rule()], sewer=False)
    assert bill.sewer == D("0.00") and bill.total == D("67.65")
    with pytest.raises(LookupError):
        compute_bill(30, {"industrial": 1}, [tender_rule()])
    with pytest.raises(ValueError):
        compute_bill(30, {"residencial": 0}, [tender_rule()])
    with pytest.raises(ValueError):
        cascade(tender_rule(), -1)


def test_table_change_mid_period_is_pro_rata_by_days():
    old = tender_rule(table="2025", valid_from=dt.date(2025, 1, 1))
    new = tender_rule(table="2026", valid_from=dt.date(2026, 4, 1), factor=D("1.10"))
    # reading 20/03 -> 19/04: 30 days, 11 under the old table (21..31/03), 19 under the new
    bill = compute_bill(30, {"residencial": 1}, [old, new],
                          period=(dt.date(2026, 3, 20), dt.date(2026, 4, 19)))
    a, b = bill.lines
    assert (a.table_name, b.table_name) == ("2025", "2026")
    assert a.share == D(11) / D(30) and b.share == D(19) / D(30)
    new_water = cascade(new, 30).water
    assert new_water == D("74.42")
    assert a.water == money(D("67.65") * 11 / 30) == D("24.81")
    assert b.water == money(new_water * 19 / 30) == D("47.13")
    assert bill.water == D("71.94")
    # a period wholly under one table uses only that table
    only_new = compute_bill(30, {"residencial": 1}, [old, new],
                              period=(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    assert [ln.table_name for ln in only_new.lines] == ["2026"] and only_new.water == new_water
    # without a period, the latest table
    assert compute_bill(30, {"residencial": 1}, [old, new]).water == new_water


def test_rule_problems():
    assert tender_rule().problems() == []
    bad = TariffRule("residencial", "normal", 10, D("18.90"),
                       (Band(12, 15, D("2")), Band(15, 20, D("-1")), Band(20, 30, D("3"))),
                       D(50))
    probs = " ".join(bad.problems())
    assert "comecar em 10" in probs and "negativo" in probs and "sem limite superior" in probs


def test_consumption_between_and_average():
    assert consumption_between(100, 130) == 30
    assert consumption_between(None, 130) == 0
    assert consumption_between(999_990, 15, rollover=True) == 25
    with pytest.raises(ValueError):
        consumption_between(200, 100)
    assert average([10, 11]) == 11  # 10.5 half-up
    assert average([]) == 0


# -- FEBRABAN ---------------------------------------------------------------------------------

# Real collection documents (GPS, segment 5, value id 8 = modulo 11) with their typed lines.
REAL = [
    ("85820000001669802701163000128001867222025113",
     "85820000001-5 66980270116-2 30001280018-9 67222025113-0"),
    ("85810000003036002701007000128001867222025113",
     "85810000003-0 03600270100-7 70001280018-4 67222025113-0"),
    ("85800000001669802701120000128001867222025113",
     "85800000001-1 66980270112-0 00001280018-0 67222025113-0"),
    ("85870000001669802701236000128001867222025113",
     "85870000001-4 66980270123-5 60001280018-8 67222025113-0"),
    ("85860000001669802701805000128001867222025113",
     "85860000001-2 66980270180-4 50001280018-1 67222025113-0"),
]


@pytest.mark.parametrize("code,line", REAL)
def test_real_collection_barcodes(code, line):
    assert barcode_is_valid(code)
    assert format_typed_line(typed_line(code)) == line
    assert barcode_from_typed_line(line) == code


@pytest.mark.parametrize("number,dv", [
    ("0", 0), ("1", 8), ("5", 9), ("9", 1), ("18", 2), ("261533", 4),
    ("01230067896", 3),  # 2x6=12->3 ... worked by hand
])
def test_mod10(number, dv):
    assert mod10(number) == dv


@pytest.mark.parametrize("number,dv", [("0", 0), ("5", 1), ("4", 3), ("1234", 3), ("100", 7)])
def test_mod11_collection(number, dv):
    assert mod11(number) == dv


def test_sanitation_barcode_structure_and_both_modules():
    free = invoice_free_field(dt.date(2026, 11, 5), "12343", 2026, 10, 0)
    assert free == "2026110500000123432610000" and len(free) == 25
    for value_id in ("6", "8"):
        code = collection_barcode(D("101.48"), "0123", free, value_id=value_id)
        assert len(code) == 44 and code[:3] == "82" + value_id
        assert code[4:15] == "00000010148"  # value in cents, 11 digits
        assert code[15:19] == "0123" and code[19:] == free
        assert barcode_is_valid(code)
        line = typed_line(code)
        assert len(line) == 48
        fn = mod10 if value_id == "6" else mod11
        for i in range(4):
            assert line[i * 12 + 11] == str(fn(line[i * 12:i * 12 + 11]))
        assert barcode_from_typed_line(line) == code
        # any single changed digit is caught by the general check digit
        for pos in (0, 5, 20, 43):
            wrong = code[:pos] + str((int(code[pos]) + 1) % 10) + code[pos + 1:]
            if pos != 3:
                assert not barcode_is_valid(wrong)


def test_barcode_refuses_bad_input():
    with pytest.raises(ValueError):
        collection_barcode(D("1"), "12", "0" * 25)
    with pytest.raises(ValueError):
        collection_barcode(D("1"), "0123", "0" * 24)
    with pytest.raises(ValueError):
        collection_barcode(D("1e12"), "0123", "0" * 25)
    with pytest.raises(ValueError):
        barcode_from_typed_line("85820000001-6 66980270116-2 30001280018-9 67222025113-0")


# -- PIX --------------------------------------------------------------------------------------

def test_pix_payload_matches_the_central_bank_example():
    # Manual do BR Code (BCB), static example with CRC 1D3D
    assert pix_payload("123e4567-e12b-12d1-a456-426655440000", "Fulano de Tal", "BRASILIA") == (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
        "5913Fulano de Tal6008BRASILIA62070503***63041D3D")


def test_pix_payload_with_amount_and_txid_has_valid_crc():
    p = pix_payload("12345678000195", "SAAE São José", "Vale Verde", D("101.48"), txid="F2026-10")
    assert "5406101.48" in p and "0507F202610" in p and "SAAE Sao Jose" in p
    body, crc = p[:-4], p[-4:]
    assert body.endswith("6304") and crc == f"{crc16_ccitt(body.encode()):04X}"


# -- messages ---------------------------------------------------------------------------------

RULES = [
    MessageRuleData("excesso_consumo", "Consumo {consumo} m3, {excesso_pct}% acima da média {media}.",
                    40, threshold_percent=D(30)),
    MessageRuleData("debitos_em_aberto", "{qtd_abertas} fatura(s) em aberto: {valor_abertas}.", 20),
    MessageRuleData("localizacao", "Obras no Sítio Novo.", 30, neighbourhoods=("Sítio Novo",),
                    valid_to=dt.date(2026, 12, 31)),
    MessageRuleData("telemedicao", "Hidrômetro telemedido.", 60),
    MessageRuleData("debito_automatico", "Débito em {vencimento}.", 50),
    MessageRuleData("alertas", "Cadastre seu celular.", 70),
    MessageRuleData("ligacao_cortada", "Ligação cortada.", 10),
    MessageRuleData("plano_pagamento", "Restam {parcelas_restantes}; próxima {proxima_parcela_valor}.", 35),
    MessageRuleData("tarifa_aplicada", "Tarifa {tabela} desde {vigencia}.", 90),
    MessageRuleData("fatura_zero", "Sem valor a pagar.", 5),
    MessageRuleData("debito_devolvido", "Débito devolvido em {data_devolucao}.", 15),
]


def facts(**kw):
    base = dict(issue_date=dt.date(2026, 10, 20), consumption=10, average=10, history_months=6,
                total=D("50"), has_mobile_consent=True, due_date=dt.date(2026, 11, 5))
    base.update(kw)
    return InvoiceFacts(**base)


@pytest.mark.parametrize("kw,expected", [
    ({}, []),
    ({"consumption": 14}, ["Consumo 14 m3, 40% acima da média 10."]),
    ({"consumption": 13}, []),  # 30% is not above 30%
    ({"consumption": 40, "history_months": 2}, []),  # not enough history
    ({"unpaid_count": 2, "unpaid_amount": D("88.5")}, ["2 fatura(s) em aberto: R$ 88,50."]),
    ({"neighbourhood": "Sítio Novo"}, ["Obras no Sítio Novo."]),
    ({"neighbourhood": "sitio novo", "issue_date": dt.date(2027, 1, 2)}, []),  # expired
    ({"telemetered": True}, ["Hidrômetro telemedido."]),
    ({"direct_debit": True}, ["Débito em 05/11/2026."]),
    ({"has_mobile_consent": False}, ["Cadastre seu celular."]),
    ({"situation": "cortada"}, ["Ligação cortada."]),
    ({"plan_remaining": 3, "plan_next_amount": D("48.3")}, ["Restam 3; próxima R$ 48,30."]),
    ({"tariff_table": "T2026", "tariff_valid_from": dt.date(2026, 1, 1)},
     ["Tarifa T2026 desde 01/01/2026."]),
    ({"total": D(0)}, ["Sem valor a pagar."]),
    ({"debit_returned_on": dt.date(2026, 9, 8)}, ["Débito devolvido em 08/09/2026."]),
])
def test_message_rules(kw, expected):
    rules = [r for r in RULES if r.kind != "tarifa_aplicada"] if "tariff_table" not in kw else RULES
    got = messages_for(rules, facts(**kw))
    if "tariff_table" in kw:
        assert got == expected
    else:
        assert got == expected


def test_messages_order_by_priority_and_limit():
    got = messages_for(RULES, facts(situation="cortada", unpaid_count=1, unpaid_amount=D(10),
                                      telemetered=True, consumption=30), limit=3)
    assert got == ["Ligação cortada.", "1 fatura(s) em aberto: R$ 10,00.",
                   "Consumo 30 m3, 200% acima da média 10."]


def test_template_problems_and_stray_braces():
    assert template_problems("Olá {nome}, {xpto}") == ["Campo desconhecido na mensagem: {xpto}"]
    assert render_text("valor {", {}) == "valor {"


def test_point_in_polygon_and_business_days():
    square = ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0))
    assert point_in_polygon(0.5, 0.5, square) and not point_in_polygon(1.5, 0.5, square)
    assert next_business_day(dt.date(2026, 11, 7)) == dt.date(2026, 11, 9)  # Saturday
    assert fmt.month_add(2026, 12, 1) == (2027, 1) and fmt.month_add(2026, 1, -1) == (2025, 12)
    assert fmt.money(D("1234.5")) == "R$ 1.234,50"


@pytest.mark.parametrize(("typed", "expected"), [
    ("12,50", D("12.50")), ("12.5", D("12.50")), (D("0.005"), D("0.01")), (3, D("3.00")),
    ("0", None), ("-1,00", None), ("0,004", None), ("", None), (None, None), ("abc", None),
    ("NaN", None), ("Infinity", None),
])
def test_positive_amount_reads_a_typed_amount_to_the_cent(typed: object, expected: D | None) -> None:
    assert positive_amount(typed) == expected
