"""The VMP check of one result, table-driven (qualifiers, LQ > VMP, presence/absence,
minimum and maximum, comparison precision) and the nitrate + nitrite ratio sum."""

from __future__ import annotations

import datetime as dt  # noqa: F401
from decimal import Decimal as D

import pytest

from lims.domain.vmp import (
    PLAIN_WORDS,
    Limit,
    Measurement,
    Qualifier,
    Verdict,
    check,
    describe_limit,
    describe_result,
    parse_decimal,
    parse_result,
    plausible,
    ratio_sum,
)

OK, NC, IND = Verdict.CONFORMING, Verdict.NONCONFORMING, Verdict.UNDETERMINED
MAX5 = Limit(maximum=D("5.0"))
CHLORINE = Limit(minimum=D("0.2"), maximum=D("5.0"))
ABS = Limit(absence=True)
NDMA = Limit(maximum=D("0.0001"))
M = Measurement

CASES = [
    ("maximo abaixo", M(D("4.99")), MAX5, OK),
    ("maximo igual", M(D("5.0")), MAX5, OK),
    ("maximo acima", M(D("5.01")), MAX5, NC),
    ("maximo 0,055 vs 0,05 exato: acima", M(D("0.055")), Limit(maximum=D("0.05")), NC),
    ("maximo 0,055 vs 0,05 com 2 casas: 0,06 acima", M(D("0.055")),
     Limit(maximum=D("0.05"), decimals=2), NC),
    ("maximo 0,054 vs 0,05 com 2 casas: 0,05 conforma", M(D("0.054")),
     Limit(maximum=D("0.05"), decimals=2), OK),
    ("maximo 5,04 com 1 casa: 5,0 conforma", M(D("5.04")), Limit(maximum=D("5.0"), decimals=1), OK),
    ("maximo 5,05 com 1 casa: 5,1 acima (meio para cima)", M(D("5.05")),
     Limit(maximum=D("5.0"), decimals=1), NC),
    ("<LD conforma", M(None, Qualifier.LT_LD, ld=D("0.1")), MAX5, OK),
    ("<LQ conforma", M(None, Qualifier.LT_LQ, ld=D("0.05"), lq=D("0.2")), MAX5, OK),
    ("<LD sem LD cadastrado conforma ao maximo", M(None, Qualifier.LT_LD), MAX5, OK),
    ("<LQ com LQ > VMP indecidivel", M(None, Qualifier.LT_LQ, lq=D("0.001")), NDMA, IND),
    ("<LD com LD > VMP indecidivel", M(None, Qualifier.LT_LD, ld=D("0.0002")), NDMA, IND),
    ("<LQ com LQ = VMP conforma", M(None, Qualifier.LT_LQ, lq=D("0.0001")), NDMA, OK),
    ("cloro 0,2 minimo exato", M(D("0.2")), CHLORINE, OK),
    ("cloro 0,19", M(D("0.19")), CHLORINE, NC),
    ("cloro 5,0", M(D("5.0")), CHLORINE, OK),
    ("cloro 5,01", M(D("5.01")), CHLORINE, NC),
    ("cloro <LD (LD 0,05) sem residual", M(None, Qualifier.LT_LD, ld=D("0.05")), CHLORINE, NC),
    ("cloro <LQ (LQ 0,3) indecidivel", M(None, Qualifier.LT_LQ, lq=D("0.3")), CHLORINE, IND),
    ("cloro <LD sem LD indecidivel", M(None, Qualifier.LT_LD), CHLORINE, IND),
    ("ausencia", M(None, Qualifier.ABSENT), ABS, OK),
    ("presenca", M(None, Qualifier.PRESENT), ABS, NC),
    ("contagem 0 NMP", M(D("0")), ABS, OK),
    ("contagem 1 NMP", M(D("1")), ABS, NC),
    ("microbiologia <LD", M(None, Qualifier.LT_LD), ABS, OK),
    ("microbiologia sem resultado", M(None), ABS, IND),
    ("presenca em parametro numerico", M(None, Qualifier.PRESENT), MAX5, IND),
    ("numerico sem valor", M(None), MAX5, IND),
    ("sem VMP", M(D("123")), Limit(), OK),
    ("minimo so", M(D("0.1")), Limit(minimum=D("0.2")), NC),
]


@pytest.mark.parametrize(("m", "limit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check(m, limit, expected):
    assert check(m, limit).verdict is expected


@pytest.mark.parametrize(("text", "value", "qual"), [
    ("0,35", D("0.35"), Qualifier.NONE),
    ("0.35", D("0.35"), Qualifier.NONE),
    ("1.000,5", D("1000.5"), Qualifier.NONE),
    ("0,050", D("0.050"), Qualifier.NONE),
    ("< LD", None, Qualifier.LT_LD),
    ("<ld", None, Qualifier.LT_LD),
    ("MENOR_LQ", None, Qualifier.LT_LQ),
    ("< lq", None, Qualifier.LT_LQ),
    ("Ausente", None, Qualifier.ABSENT),
    ("AUSÊNCIA", None, Qualifier.ABSENT),
    ("a", None, Qualifier.ABSENT),
    ("Presente", None, Qualifier.PRESENT),
    ("PRESENÇA", None, Qualifier.PRESENT),
    ("p", None, Qualifier.PRESENT),
])
def test_parse_result(text, value, qual):
    assert parse_result(text) == (value, qual)


@pytest.mark.parametrize("bad", ["", "  ", "abc", "1,2,3", "nan", "inf", "--1"])
def test_parse_result_rejects(bad):
    with pytest.raises(ValueError):
        parse_result(bad)


def test_parse_decimal_keeps_reported_digits():
    assert str(parse_decimal("0,050")) == "0.050"
    assert parse_decimal(None) is None and parse_decimal("") is None


def test_descriptions():
    assert describe_result(M(D("0.050"))) == "0,050"
    assert describe_result(M(None, Qualifier.LT_LD)) == "< LD"
    assert describe_result(M(None, Qualifier.PRESENT)) == "Presente"
    assert describe_limit(CHLORINE, "mg/L") == "0,2 a 5,0 mg/L"
    assert describe_limit(MAX5, "uT") == "<= 5,0 uT"
    assert describe_limit(ABS) == "Ausência em 100 mL"
    assert describe_limit(Limit(minimum=D("0.2")), "mg/L") == ">= 0,2 mg/L"
    assert describe_limit(Limit(), "mg/L") == "sem VMP"


def test_descriptions_in_plain_words_for_the_public():
    assert describe_limit(CHLORINE, "mg/L", PLAIN_WORDS) == "entre 0,2 e 5 mg/L"
    assert describe_limit(MAX5, "uT", PLAIN_WORDS) == "no máximo 5 uT"
    assert describe_limit(Limit(minimum=D("0.20")), "mg/L", PLAIN_WORDS) == "no mínimo 0,2 mg/L"
    assert describe_limit(ABS, "", PLAIN_WORDS) == "deve estar ausente"
    assert describe_limit(Limit(), "mg/L", PLAIN_WORDS) == "sem limite definido"


NIT = [
    # nitrate (VMP 10), nitrite (VMP 1): sum of ratios <= 1
    ("5 + 0,5 = 1,0 conforma", M(D("5")), M(D("0.5")), "zero", D("1.0"), OK),
    ("5 + 0,6 = 1,1", M(D("5")), M(D("0.6")), "zero", D("1.1"), NC),
    ("9 + <LD = 0,9", M(D("9")), M(None, Qualifier.LT_LD, ld=D("0.2")), "zero", D("0.9"), OK),
    ("9 + <LD(0,2) como limite = 1,1 indecidivel", M(D("9")),
     M(None, Qualifier.LT_LD, ld=D("0.2")), "limit", D("1.1"), IND),
    ("11 + <LD como limite: falha mesmo sem o limite", M(D("11")),
     M(None, Qualifier.LT_LD, ld=D("0.2")), "limit", D("1.1"), NC),
    ("<LD + <LD", M(None, Qualifier.LT_LD, ld=D("0.1")), M(None, Qualifier.LT_LD, ld=D("0.01")),
     "zero", D("0"), OK),
    ("sem valor", M(None), M(D("0.1")), "zero", None, IND),
]


@pytest.mark.parametrize(("nitrate", "nitrite", "conv", "total", "verdict"), [n[1:] for n in NIT],
                         ids=[n[0] for n in NIT])
def test_nitrate_nitrite_ratio_sum(nitrate, nitrite, conv, total, verdict):
    got_total, got = ratio_sum(nitrate, D("10"), nitrite, D("1"), censored_as=conv)
    assert got is verdict
    assert (got_total is None and total is None) or got_total == total


@pytest.mark.parametrize(("value", "low", "high", "ok"), [
    (D("7"), D("0"), D("14"), True), (D("15"), D("0"), D("14"), False),
    (D("-1"), D("0"), None, False), (None, D("0"), D("1"), True), (D("1e6"), None, None, True),
])
def test_plausible(value, low, high, ok):
    assert plausible(value, low, high) is ok
