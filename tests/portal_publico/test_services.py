"""Composition rules, closed months read from the stored rows, and the SVG figures."""

from __future__ import annotations

import datetime as dt

from core import fmt
from core.auth import Profile
from portal_publico import charts
from portal_publico import services as sv


def test_reference_month_falls_back_to_the_last_published(world):
    sede = world.systems["SAA-SEDE"]
    t = dt.date(2026, 12, 2)
    assert sv.reference_month(sede, t) == (2026, 11) or sv.has_data(sv.summary(sede, 2026, 12))


def test_home_cards_have_a_verdict_per_basic_parameter(world):
    cards = {c.system.id: c for c in sv.home_cards()}
    c = cards[world.systems["SAA-SEDE"]]
    assert [code for code, _n, _v in c.verdicts] == list(sv.lims_api.BASIC_PARAMETER_CODES)
    assert c.overall in sv.VERDICTS


def test_trends_cover_twelve_months_and_flag_the_bad_one(world):
    sede = world.systems["SAA-SEDE"]
    t = dt.date.today()
    until = fmt.month_add(t.year, t.month, -1)
    tr = {x.parameter_code: x for x in sv.trends(sede, until=until)}
    assert len(tr["turbidez"].months) == 12 and tr["turbidez"].months[-1] == until
    assert all(m is not None for m in tr["turbidez"].means[-11:])
    bad = fmt.month_add(t.year, t.month, -2)
    i = tr["coliformes_totais"].months.index(bad)
    assert tr["coliformes_totais"].nonconforming[i] == 1
    assert tr["turbidez"].limit.maximum == 5.0


def test_nearby_points_prefer_the_neighbourhood_then_distance(world):
    near = sv.nearby_points(world.systems["SAA-SEDE"], "Alto da Serra", -22.889, -47.048)
    assert near[0][0].neighbourhood == "Alto da Serra"
    assert all(p.kind not in ("captacao", "poco") for p, _d in near)
    dists = [d for p, d in near if p.neighbourhood != "Alto da Serra"]
    assert dists == sorted(dists)


def test_locate_by_neighbourhood_street_and_matricula(world):
    by_hood = sv.locate("Centro")
    assert any(x.neighbourhood == "Centro" and x.system_id == world.systems["SAA-SEDE"]
               for x in by_hood)
    assert sv.locate(world.matricula)[0].system_id is not None
    assert sv.locate("x") == []


def test_plain_limits(db):
    from lims.seed import seed_reference

    seed_reference()  # the limits come from the LIMS catalogue
    lim = sv.limits()
    assert sv.plain_limit(lim["turbidez"]) == "no máximo 5 uT"
    assert sv.plain_limit(lim["cloro_residual_livre"]) == "entre 0,2 e 5 mg/L"
    assert sv.plain_limit(lim["escherichia_coli"]) == "deve estar ausente"
    assert sv.plain_limit(None) == "sem limite definido"


def test_a_closed_month_is_read_from_the_rows_stored_at_closing(world, db, make_user):
    """No portal copy: a closed month comes from lims' stored rows (what the closing stored,
    not a recompute), an open month is computed at each call. Stored rows are never updated
    (a reopening marks them not current, the next closing writes new ones), so lims keeps the
    summary built from them per process (issue 17): a reopened month is computed again and
    the new closing's rows are read, never the kept summary of the old ones."""
    from sqlalchemy import select

    from lims.models.closing import MonthSummary
    from lims.services import closing

    sede = world.systems["SAA-SEDE"]
    t = dt.date.today()
    y, m = fmt.month_add(t.year, t.month, -1)
    assert not sv.summary(sede, y, m).closed
    c = closing.close_month(sede, y, m, user_id=None)
    db.commit()

    def turbidity_row():  # type: ignore[no-untyped-def]
        return db.scalars(select(MonthSummary).where(
            MonthSummary.system_id == sede, MonthSummary.year == y, MonthSummary.month == m,
            MonthSummary.parameter_code == "turbidez", MonthSummary.where == "rede",
            MonthSummary.current.is_(True))).first()

    row = turbidity_row()
    row.row = {**row.row, "analysed": 4321}  # a marker only the stored rows carry
    db.commit()
    q = sv.summary(sede, y, m)
    assert q.closed and q.counting_rule
    got = {p.parameter_code: p for p in q.parameters}
    assert got["turbidez"].analysed >= 4321  # what the closing stored, not a recompute
    assert not sv.summary(sede, t.year, t.month).closed
    manager = make_user(Profile.MANAGER)
    closing.reopen_month(c.id, "conferência de um resultado", user_id=manager.id)
    db.commit()
    assert not sv.summary(sede, y, m).closed
    closing.close_month(sede, y, m, user_id=None)
    db.commit()
    again = sv.summary(sede, y, m)
    assert again.closed
    assert {p.parameter_code: p for p in again.parameters}["turbidez"].analysed < 4321
    assert turbidity_row().id != row.id


def test_degrades_when_an_area_is_not_available(client, monkeypatch):
    from lims import api as lims_api

    def not_yet(*_a, **_k):
        raise NotImplementedError

    monkeypatch.setattr(lims_api, "systems", not_yet)
    monkeypatch.setattr(lims_api, "published_results", not_yet)
    for url in ("/portal/", "/portal/mapa", "/portal/relatorios", "/api/v1/dados-abertos/sistemas",
                "/api/v1/dados-abertos/resultados"):
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert "Sem dados" in client.get("/portal/").get_data(as_text=True)


def test_presence_strip_and_map_adapter():
    s = str(charts.presence_strip("Coliformes", ["jan", "fev", "mar"], [4, 0, 5], [0, 0, 1]))
    assert "✓" in s and "–" in s and "✗ 1" in s and "1 de 5 amostras com presença" in s
    m = str(charts.map_svg([(1, "Sistema Sede", -22.9, -47.06, "/portal/sistemas/1")],
                           [(2, "Rede <Centro>", -22.905, -47.07, "rede", "/portal/pontos/2")],
                           here=(-22.91, -47.05), title="Mapa"))
    assert 'href="/portal/pontos/2"' in m and "Rede &lt;Centro&gt;" in m and "você" in m
    assert "km" in m or " m<" in m
    assert "sem coordenadas" in str(charts.map_svg([], [], title="vazio"))
