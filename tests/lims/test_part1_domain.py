"""Pure rules of LIMS part 1: the sample state machine (every pair of states), plan
frequencies, and the minimum check against the standard (population bands at their edges)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from core.errors import IllegalTransition, ValidationError
from lims.domain import plans as dom
from lims.domain import samples as m
from lims.domain.samples import SampleState as S

ALLOWED = {
    (S.SCHEDULED, S.AWAITING_COLLECTION), (S.SCHEDULED, S.CANCELLED),
    (S.AWAITING_COLLECTION, S.COLLECTED), (S.AWAITING_COLLECTION, S.SCHEDULED),
    (S.AWAITING_COLLECTION, S.CANCELLED),
    (S.COLLECTED, S.AWAITING_ANALYSIS), (S.COLLECTED, S.CANCELLED),
    (S.AWAITING_ANALYSIS, S.AWAITING_VALIDATION), (S.AWAITING_ANALYSIS, S.CANCELLED),
    (S.AWAITING_VALIDATION, S.VALIDATED), (S.AWAITING_VALIDATION, S.AWAITING_ANALYSIS),
    (S.AWAITING_VALIDATION, S.CANCELLED),
    (S.VALIDATED, S.PUBLISHED), (S.VALIDATED, S.AWAITING_VALIDATION),
}


def test_states_are_exactly_the_issue_ones():
    assert [s.value for s in S] == ["PROGRAMADA", "AGUARDANDO COLETA", "COLETADA",
                                    "AGUARDANDO ANALISE", "AGUARDANDO VALIDACAO", "VALIDADA",
                                    "PUBLICADA", "CANCELADA"]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(S, S)))
def test_every_pair_of_states(a, b):
    if (a, b) in ALLOWED:
        m.check_transition(a, b)
        m.check_transition(a.value, b.value)  # strings as stored
        assert b in m.allowed_targets(a)
    else:
        with pytest.raises(IllegalTransition) as e:
            m.check_transition(a, b)
        assert e.value.message and e.value.status == 409
        assert b not in m.allowed_targets(a)


def test_cancel_only_before_validada_and_terminal_states():
    assert {S.SCHEDULED, S.AWAITING_COLLECTION, S.COLLECTED,
                             S.AWAITING_ANALYSIS, S.AWAITING_VALIDATION} == m.CANCELLABLE
    assert not m.allowed_targets(S.PUBLISHED) and not m.allowed_targets(S.CANCELLED)
    with pytest.raises(IllegalTransition, match="não pode mais ser cancelada"):
        m.check_transition(S.VALIDATED, S.CANCELLED)
    with pytest.raises(IllegalTransition, match="ja esta"):
        m.check_transition(S.COLLECTED, S.COLLECTED)
    with pytest.raises(IllegalTransition, match="desconhecido"):
        m.check_transition("PERDIDA", S.COLLECTED)


def test_reasons_are_required_where_it_matters():
    with pytest.raises(ValidationError):
        m.check_transition(S.COLLECTED, S.CANCELLED, "")
    m.check_transition(S.COLLECTED, S.CANCELLED, "frasco quebrado")
    m.check_transition(S.SCHEDULED, S.AWAITING_COLLECTION, "")  # a release needs none


# -- frequencies ------------------------------------------------------------------------------

def test_frequencies_of_december_2026():
    y, mo = 2026, 12  # 31 days, 23 working days (Mon-Fri), starts on a Tuesday
    assert len(dom.working_days(y, mo)) == 23
    assert dom.count("a_cada_2h", y, mo) == 31 * 12
    assert dom.count("diaria", y, mo) == 31
    two = dom.occurrences("2x_semana", y, mo)
    assert len(two) == 10 and {d.weekday() for d, _ in two} == {1, 3}
    assert [d.day for d, _ in dom.occurrences("semanal", y, mo)] == [2, 9, 16, 23, 30]
    assert dom.count("mensal", y, mo) == 1
    assert dom.count("trimestral", y, mo, start_month=1) == 0  # jan, apr, jul, oct
    assert dom.count("trimestral", y, 10) == 1
    assert dom.count("semestral", y, 7) == 1 and dom.count("semestral", y, 6) == 0
    assert dom.count("anual", y, 1) == 1 and dom.count("anual", y, 3, start_month=3) == 1
    custom = dom.occurrences("personalizada", y, mo, custom_count=4)
    assert len(custom) == 4 and len({d for d, _ in custom}) == 4
    assert all(d.weekday() < 5 for d, _ in custom)
    many = dom.occurrences("personalizada", y, mo, custom_count=30)  # more than working days
    assert len(many) == 30 and max(s for _, s in many) == 1
    assert dom.occurrences("personalizada", y, mo, custom_count=0) == []


def test_holidays_move_weekly_samples_within_the_week():
    xmas = dt.date(2026, 12, 23)  # a Wednesday
    days = [d for d, _ in dom.occurrences("semanal", 2026, 12, holidays=[xmas])]
    assert dt.date(2026, 12, 24) in days and xmas not in days


def test_offset_rotates_days_but_keeps_counts():
    a = dom.occurrences("personalizada", 2026, 12, custom_count=4, offset=0)
    b = dom.occurrences("personalizada", 2026, 12, custom_count=4, offset=3)
    assert len(a) == len(b) == 4 and a != b


# -- the minimum check ------------------------------------------------------------------------

BANDS = [dom.MinimumRule("coliformes_totais", "rede", dom.Frequency.MONTHLY, base=b,
                         per_inhabitants=per, pop_min=lo, pop_max=hi, cap=cap)
         for lo, hi, b, per, cap in [(0, 4999, 5, None, None), (5000, 9999, 10, None, None),
                                     (10000, 50000, 0, 1000, None), (50001, 80000, 25, 2000, None),
                                     (1140001, None, 244, 20000, 400)]]


@pytest.mark.parametrize(("population", "required"), [
    (0, 5), (4999, 5), (5000, 10), (9999, 10), (10000, 10), (10001, 11), (48000, 48),
    (50000, 50), (50001, 51), (80000, 65), (1140001, 302), (5_000_000, 400),
])
def test_network_coliform_bands_at_the_edges(population, required):
    (rule,) = dom.applicable(BANDS, population=population, source_type="superficial")
    assert dom.per_occurrence(rule, population) == required
    assert dom.required_in_month(rule, population, 2026, 5) == required


def _items(n_per_month, where="rede", code="coliformes_totais", freq="personalizada"):
    return [dom.PlannedItem(code, where, dom.Frequency(freq), n_per_month)]


def test_minimum_check_passes_and_fails():
    ok = dom.check_minimum(BANDS, _items(48), year=2026, population=48000, source_type="subterraneo")
    assert ok.ok and len(ok.cells) == 12 and ok.cells[0].required == 48
    short = dom.check_minimum(BANDS, _items(47), year=2026, population=48000,
                              source_type="subterraneo")
    assert not short.ok and len(short.failures) == 12
    assert short.failures[0].planned == 47 and short.failures[0].required == 48
    # a population one person over the band edge needs one more sample
    edge = dom.check_minimum(BANDS, _items(10), year=2026, population=10001, source_type="misto")
    assert not edge.ok
    assert dom.check_minimum(BANDS, _items(10), year=2026, population=10000, source_type="misto").ok


def test_source_type_kind_and_periodic_windows():
    rules = [dom.MinimumRule("turbidez", "saida", dom.Frequency.EVERY_2H, source_type="superficial"),
             dom.MinimumRule("turbidez", "saida", dom.Frequency.TWICE_WEEKLY, source_type="subterraneo"),
             dom.MinimumRule("gosto_odor", "saida", dom.Frequency.QUARTERLY),
             dom.MinimumRule("x", "saida", dom.Frequency.DAILY, system_kind="SAC")]
    daily = _items(None, "saida", "turbidez", "diaria")
    assert not dom.check_minimum(rules, daily, year=2026, population=1, source_type="superficial").ok
    assert not dom.check_minimum(rules, daily, year=2026, population=1, source_type="misto").ok
    ground = dom.check_minimum(rules[1:2], daily, year=2026, population=1, source_type="subterraneo")
    assert ground.ok  # daily covers twice a week
    # quarterly: one sample anywhere in the quarter meets it; none in a quarter fails it
    feb = [dom.PlannedItem("gosto_odor", "saida", dom.Frequency.QUARTERLY, start_month=2)]
    res = dom.check_minimum(rules[2:3], feb, year=2026, population=1, source_type="superficial")
    assert res.ok
    none = dom.check_minimum(rules[2:3], [], year=2026, population=1, source_type="superficial")
    assert len(none.failures) == 12
    assert dom.applicable(rules, population=1, source_type="superficial", system_kind="SAC") == [rules[3]]


def test_where_of_point_kinds():
    assert [dom.where_of(k) for k in ("captacao", "saida_tratamento", "poco", "reservatorio",
                                      "rede", "ponta_de_rede", "torneira")] == [
        "captacao", "saida", "captacao", "rede", "rede", "rede", "rede"]


# -- results-driven moves: named, guarded, typed (issue 13 item 9) ------------------------------

@pytest.mark.parametrize(("move", "current", "path"), [
    ("ALL_ENTERED", "AGUARDANDO ANALISE", ("AGUARDANDO VALIDACAO",)),
    ("ALL_ENTERED", "VALIDADA", ()),
    ("ALL_VALIDATED", "AGUARDANDO VALIDACAO", ("VALIDADA",)),
    ("ALL_VALIDATED", "PUBLICADA", ()),
    ("PUBLISHED", "VALIDADA", ("PUBLICADA",)),
    ("PUBLISHED", "PUBLICADA", ()),
    ("SENT_BACK", "VALIDADA", ("AGUARDANDO VALIDACAO", "AGUARDANDO ANALISE")),
    ("SENT_BACK", "AGUARDANDO VALIDACAO", ("AGUARDANDO ANALISE",)),
    ("SENT_BACK", "PUBLICADA", ()),
])
def test_results_moves_are_guarded_paths_of_legal_transitions(move, current, path):
    from lims.domain import samples as sm

    got = sm.results_path(sm.ResultsMove[move], current)
    assert got == tuple(sm.SampleState(p) for p in path)
    assert all(isinstance(x, sm.SampleState) for x in got)
