"""Recoleta planning after a coliform positive (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from lims.domain.recoleta import Role, missing_neighbours, needs_recoleta, next_collection_day, plan

MON = dt.date(2026, 11, 2)
FRI = dt.date(2026, 11, 6)


@pytest.mark.parametrize(("code", "kind", "positive", "expected"), [
    ("coliformes_totais", "rede", True, True),
    ("coliformes_totais", "ponta_de_rede", True, True),
    ("coliformes_totais", "reservatorio", True, True),
    ("coliformes_totais", "torneira", True, True),
    ("escherichia_coli", "rede", True, True),
    ("coliformes_totais", "saida_tratamento", True, True),
    ("coliformes_totais", "rede", False, False),
    ("coliformes_totais", "rede", None, False),
    ("coliformes_totais", "captacao", True, False),  # raw water: not a recoleta case
    ("turbidez", "rede", True, False),
])
def test_needs_recoleta(code, kind, positive, expected):
    assert needs_recoleta(code, kind, positive) is expected


def test_network_plan_same_point_upstream_downstream_next_day():
    got = plan(10, "rede", MON, upstream=[9], downstream=[11, 12])
    day = MON + dt.timedelta(days=1)
    assert [(p.point_id, p.date, p.role) for p in got] == [
        (10, day, Role.SAME), (9, day, Role.UPSTREAM), (11, day, Role.DOWNSTREAM),
        (12, day, Role.DOWNSTREAM),
    ]


def test_outlet_plan_is_the_same_point_only():
    got = plan(3, "saida_tratamento", MON, upstream=[1], downstream=[4])
    assert [(p.point_id, p.role) for p in got] == [(3, Role.SAME)]


def test_several_days_and_weekend_skipping():
    got = plan(10, "rede", FRI, upstream=[9], downstream=[11], days=2, weekend=False)
    assert sorted({p.date for p in got}) == [dt.date(2026, 11, 9), dt.date(2026, 11, 10)]
    assert len(got) == 6


def test_holidays_and_duplicates():
    assert next_collection_day(MON, skip=[MON + dt.timedelta(days=1)]) == MON + dt.timedelta(days=2)
    got = plan(10, "rede", MON, upstream=[10, 9], downstream=[9])
    assert [(p.point_id, p.role) for p in got] == [(10, Role.SAME), (9, Role.UPSTREAM)]
    with pytest.raises(ValueError):
        plan(10, "rede", MON, days=0)


def test_missing_neighbours_warn():
    assert missing_neighbours("rede", [], [2]) == ["ponto sem vizinho a montante cadastrado"]
    assert missing_neighbours("saida_tratamento", [], []) == []
