"""Hand-worked months, table-driven: the monthly rules of Portaria 888 at their edges.

Each row is a month of one parameter at one point type, worked by hand: the results as the lab
reports them ("P" presence, "A" absence, "<LD", numbers; an "r" prefix marks a recoleta) and
the verdict a person reading the Portaria would give. Thresholds come from DATA (the same
values the catalogue seeds), never from constants in lims.domain.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from lims.domain import compliance as c
from lims.domain.vmp import Limit, Measurement, Qualifier, Verdict, check, parse_result

# --- the catalogue data the closing service reads (same shape, test copy) -----------------
CATALOGUE = {
    "escherichia_coli": Limit(absence=True),
    "coliformes_totais": Limit(absence=True),
    "turbidez_pos_filtracao": None,  # per treatment type, below
    "turbidez_rede": Limit(maximum=D("5.0")),
    "cloro_residual_livre": Limit(minimum=D("0.2"), maximum=D("5.0")),
    "fluoreto": Limit(maximum=D("1.5")),
}
CT_NETWORK = {"population_line": 20_000, "max_positives_below": 1, "percent_from": D("95")}
TURBIDITY_FILTRATION = {  # treatment -> (VMP uT, percent, unverified)
    "filtracao_rapida": (D("0.5"), D("95"), False),
    "filtracao_lenta": (D("1.0"), D("95"), False),
    "so_desinfeccao": (D("1.0"), D("95"), False),
    "membrana": (D("0.1"), D("99"), True),  # the membrane percentile is UNVERIFIED: data
}


def outcomes(tokens: str, limit: Limit, ld: D | None = D("0.05"), lq: D | None = D("0.1")):
    out = []
    for tok in tokens.split():
        n = int(tok.split("x")[0]) if "x" in tok else 1
        tok = tok.split("x")[1] if "x" in tok else tok
        reco = tok.startswith("r")
        tok = tok[1:] if reco else tok
        value, qual = parse_result(tok)
        m = Measurement(value=value, qualifier=qual, ld=ld, lq=lq)
        out.extend([c.Outcome(check(m, limit).verdict, is_recoleta=reco)] * n)
    return out


def ct_network(pop: int) -> c.MonthlyRule:
    return c.coliform_network_rule(pop, **CT_NETWORK)


def turb(treat: str) -> c.MonthlyRule:
    return c.turbidity_filtration_rule(treat, TURBIDITY_FILTRATION)


def turb_limit(treat: str) -> Limit:
    return Limit(maximum=TURBIDITY_FILTRATION[treat][0])


EVERY = c.every_sample()
OK, NC, SD, IND = (c.MonthVerdict.CONFORMING, c.MonthVerdict.NONCONFORMING,
                   c.MonthVerdict.NO_DATA, c.MonthVerdict.UNDETERMINED)
ECOLI, CT, CL, TR, F = (CATALOGUE["escherichia_coli"], CATALOGUE["coliformes_totais"],
                        CATALOGUE["cloro_residual_livre"], CATALOGUE["turbidez_rede"],
                        CATALOGUE["fluoreto"])

MONTHS = [
    # id, limit, rule, results, expected verdict, analysed, conforming
    # E. coli: absent in every sample, everywhere, no tolerance
    ("ecoli todas ausentes", ECOLI, EVERY, "30xA", OK, 30, 30),
    ("ecoli uma positiva em 30", ECOLI, EVERY, "29xA P", NC, 30, 29),
    ("ecoli positiva so na recoleta", ECOLI, EVERY, "30xA rP", NC, 30, 30),
    ("ecoli <LD conta como ausente", ECOLI, EVERY, "9xA <LD", OK, 10, 10),
    ("ecoli sem amostras", ECOLI, EVERY, "", SD, 0, 0),
    # total coliforms at the treatment outlet: absent in every sample
    ("ct saida 8 ausentes", CT, EVERY, "8xA", OK, 8, 8),
    ("ct saida 1 positiva", CT, EVERY, "7xA P", NC, 8, 7),
    # network CT below 20,000 people: at most ONE positive a month (absolute)
    ("ct rede 19999 hab 1 positiva", CT, ct_network(19_999), "19xA P", OK, 20, 19),
    ("ct rede 19999 hab 2 positivas", CT, ct_network(19_999), "18xA 2xP", NC, 20, 18),
    ("ct rede 19999 hab 1 positiva em 5", CT, ct_network(19_999), "4xA P", OK, 5, 4),
    ("ct rede 19999 hab 0 positivas", CT, ct_network(19_999), "20xA", OK, 20, 20),
    # ... a recoleta positive is never tolerated, even with the allowance unused
    ("ct rede 19999 hab recoleta positiva", CT, ct_network(19_999), "19xA P rP rA rA", NC, 20, 19),
    # ... negative recoletas never clear the original positives, and are not counted
    ("ct rede 19999 hab 2 pos + recoletas neg", CT, ct_network(19_999),
     "18xA 2xP 6xrA", NC, 20, 18),
    ("ct rede 19999 hab 1 pos + 3 recoletas neg", CT, ct_network(19_999),
     "19xA P 3xrA", OK, 20, 19),
    # network CT from 20,000 people: absent in 95% of the samples examined
    ("ct rede 20000 hab 1 de 20 positiva (95% exato)", CT, ct_network(20_000), "19xA P", OK, 20, 19),
    ("ct rede 20000 hab 2 de 20 positivas (90%)", CT, ct_network(20_000), "18xA 2xP", NC, 20, 18),
    ("ct rede 20000 hab 1 de 19 positiva (94,7%)", CT, ct_network(20_000), "18xA P", NC, 19, 18),
    ("ct rede 20000 hab 2 de 40 positivas (95% exato)", CT, ct_network(20_000),
     "38xA 2xP", OK, 40, 38),
    ("ct rede 20000 hab 3 de 40 positivas (92,5%)", CT, ct_network(20_000), "37xA 3xP", NC, 40, 37),
    ("ct rede 20000 hab 1 de 10 positiva (90%: falha)", CT, ct_network(20_000), "9xA P", NC, 10, 9),
    # recoletas excluded from the percentage: 19 of 20 + 3 negative recoletas = still 95%
    ("ct rede 20000 hab recoletas fora do %", CT, ct_network(20_000), "19xA P 3xrA", OK, 20, 19),
    ("ct rede 20000 hab recoleta positiva", CT, ct_network(20_000), "40xA rP", NC, 40, 40),
    ("ct rede 48000 hab 2 de 40", CT, ct_network(48_000), "38xA 2xP", OK, 40, 38),
    # post-filtration turbidity by treatment type, 95% (membrane 99%, UNVERIFIED data)
    ("turb rapida 19 de 20 <=0,5", turb_limit("filtracao_rapida"), turb("filtracao_rapida"),
     "19x0,45 0,8", OK, 20, 19),
    ("turb rapida 0,50 exato conforma", turb_limit("filtracao_rapida"), turb("filtracao_rapida"),
     "20x0,50", OK, 20, 20),
    ("turb rapida 18 de 20", turb_limit("filtracao_rapida"), turb("filtracao_rapida"),
     "18x0,3 0,51 0,9", NC, 20, 18),
    ("turb lenta 0,9 conforma", turb_limit("filtracao_lenta"), turb("filtracao_lenta"),
     "20x0,9", OK, 20, 20),
    ("turb lenta 2 de 20 acima de 1,0", turb_limit("filtracao_lenta"), turb("filtracao_lenta"),
     "18x0,9 2x1,1", NC, 20, 18),
    ("turb desinfeccao 1,0 exato", turb_limit("so_desinfeccao"), turb("so_desinfeccao"),
     "19x1,0 1,2", OK, 20, 19),
    ("turb membrana 99 de 100", turb_limit("membrana"), turb("membrana"),
     "99x0,08 0,2", OK, 100, 99),
    ("turb membrana 98 de 100", turb_limit("membrana"), turb("membrana"),
     "98x0,08 2x0,2", NC, 100, 98),
    ("turb membrana 19 de 20 (95% < 99%)", turb_limit("membrana"), turb("membrana"),
     "19x0,05 0,11", NC, 20, 19),
    # network turbidity: 5,0 uT in every sample
    ("turb rede 5,0 exato", TR, EVERY, "9x1,2 5,0", OK, 10, 10),
    ("turb rede 5,01", TR, EVERY, "9x1,2 5,01", NC, 10, 9),
    # free chlorine: >= 0,2 and <= 5,0 everywhere
    ("cloro 0,2 e 5,0 nos limites", CL, EVERY, "0,2 5,0 8x1,1", OK, 10, 10),
    ("cloro 0,19 abaixo do minimo", CL, EVERY, "0,19 9x1,1", NC, 10, 9),
    ("cloro 5,1 acima do maximo", CL, EVERY, "5,1 9x1,1", NC, 10, 9),
    ("cloro <LD e falta de residual", CL, EVERY, "<LD 9x1,1", NC, 10, 9),
    # "< LD" conforms to a maximum
    ("fluoreto <LD", F, EVERY, "<LD 0,7 0,8", OK, 3, 3),
]


@pytest.mark.parametrize(("limit", "rule", "results", "verdict", "analysed", "conforming"),
                         [m[1:] for m in MONTHS], ids=[m[0] for m in MONTHS])
def test_hand_worked_month(limit, rule, results, verdict, analysed, conforming):
    got = c.evaluate(rule, outcomes(results, limit))
    assert (got.verdict, got.analysed, got.conforming) == (verdict, analysed, conforming), got.reason


def test_rule_texts_say_the_threshold_from_data():
    assert "No máximo 1 amostra" in ct_network(19_999).text
    assert "< 20.000" in ct_network(19_999).text
    assert "95% das amostras" in ct_network(20_000).text
    r = turb("membrana")
    assert r.unverified and "NÃO VERIFICADO" in r.text and r.percent == D("99")
    # the same code with other data gives other rules: nothing is hard-coded
    other = c.coliform_network_rule(30_000, population_line=50_000, max_positives_below=2,
                                    percent_from=D("90"))
    assert other.kind is c.RuleKind.MAX_POSITIVES and other.max_nonconforming == 2
    with pytest.raises(KeyError):
        c.turbidity_filtration_rule("osmose", TURBIDITY_FILTRATION)


UNDECIDABLE = [
    # LQ above the VMP: "< LQ" cannot be judged; the month is INDETERMINADO only if it matters
    ("every: 1 indecidivel", c.every_sample(), [Verdict.CONFORMING] * 9 + [Verdict.UNDETERMINED], IND),
    ("every: indecidivel + falha", c.every_sample(),
     [Verdict.NONCONFORMING, Verdict.UNDETERMINED], NC),
    ("max1: 0 falhas 1 indecidivel", ct_network(10_000),
     [Verdict.CONFORMING] * 9 + [Verdict.UNDETERMINED], OK),
    ("max1: 1 falha 1 indecidivel", ct_network(10_000),
     [Verdict.CONFORMING] * 8 + [Verdict.NONCONFORMING, Verdict.UNDETERMINED], IND),
    ("95%: 19 ok 1 indecidivel de 20", ct_network(20_000),
     [Verdict.CONFORMING] * 19 + [Verdict.UNDETERMINED], OK),
    ("95%: 18 ok 2 indecidiveis de 20", ct_network(20_000),
     [Verdict.CONFORMING] * 18 + [Verdict.UNDETERMINED] * 2, IND),
    ("95%: 17 ok 1 falha 2 indecidiveis", ct_network(20_000),
     [Verdict.CONFORMING] * 17 + [Verdict.NONCONFORMING] + [Verdict.UNDETERMINED] * 2, IND),
    ("95%: 17 ok 2 falhas 1 indecidivel", ct_network(20_000),
     [Verdict.CONFORMING] * 17 + [Verdict.NONCONFORMING] * 2 + [Verdict.UNDETERMINED], NC),
]


@pytest.mark.parametrize(("rule", "verdicts", "expected"), [u[1:] for u in UNDECIDABLE],
                         ids=[u[0] for u in UNDECIDABLE])
def test_undecidable_results(rule, verdicts, expected):
    assert c.evaluate(rule, [c.Outcome(v) for v in verdicts]).verdict is expected


def test_combine_worst_wins():
    assert c.combine([OK, SD]) is OK
    assert c.combine([OK, IND]) is IND
    assert c.combine([IND, NC, OK]) is NC
    assert c.combine([]) is SD and c.combine([SD, SD]) is SD


@pytest.mark.parametrize(("required", "hours", "stopped", "excused"), [
    (360, 720.0, 0.0, 0),
    (360, 720.0, 24.0, 12),  # one day stopped: 12 two-hourly samples not due
    (360, 720.0, 1.9, 0),  # less than one interval excuses nothing
    (360, 720.0, 2.0, 1),
    (360, 720.0, 900.0, 360),  # never more than the month
    (0, 720.0, 24.0, 0),
])
def test_stoppage_excuses(required, hours, stopped, excused):
    assert c.excused_by_stoppage(required, hours, stopped) == excused
    assert c.required_after_stoppage(required, excused) == required - excused


def test_percentile_nearest_rank():
    vals = [D(x) / 100 for x in range(1, 21)]  # 0.01 .. 0.20
    assert c.percentile(vals, 95) == D("0.19")
    assert c.percentile([D("0.3")]) == D("0.3")
    assert c.percentile([]) is None


def test_percent_conforming_display():
    r = c.evaluate(ct_network(20_000), [c.Outcome(Verdict.CONFORMING)] * 18 + [c.Outcome(Verdict.NONCONFORMING)])
    assert r.percent_conforming == D("94.7")
    assert Qualifier.LT_LD.value == "<LD"


def test_month_reasons_read_as_ptbr():
    """The reason is printed on the portal's monthly PDF and the closing report: accents."""
    ok = c.Outcome(Verdict.CONFORMING)
    every = c.MonthlyRule(c.RuleKind.EVERY_SAMPLE, "todas")
    percent = c.MonthlyRule(c.RuleKind.PERCENT, "95%", percent=D("95"))
    bad = c.Outcome(Verdict.NONCONFORMING)
    reasons = [c.evaluate(every, [ok]).reason, c.evaluate(percent, [ok] * 20).reason,
               c.evaluate(percent, [ok] * 10 + [bad] * 10).reason]
    assert reasons[0] == "todas as amostras no padrão"
    assert reasons[1] == "20 de 20 amostras no padrão (mínimo 95%)"
    assert reasons[2] == "10 de 20 amostras no padrão (mínimo 95%)"
