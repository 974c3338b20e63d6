"""Field readings as results, closing per level (system / plan / reservoir scope) and the closed
month stored as per-parameter rows: hand-worked months on PostgreSQL, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.errors import Conflict, PermissionDenied
from lims import api
from lims.domain.samples import SampleState
from lims.models.closing import ClosingLevel, MonthSummary
from lims.models.results import Result, ResultState
from lims.models.samples import Sample, SampleParameter
from lims.services import closing, documents, validation
from lims.services import results as rs
from tests.lims.part1_rows import small_system

PREV = dt.date.today().replace(day=1) - dt.timedelta(days=1)
Y, M = PREV.year, PREV.month
_seq = iter(range(1, 100_000))


def collected(w: dict, point: str, day: int, params: tuple[str, ...] = (),
              state: SampleState = SampleState.COLLECTED) -> Sample:
    """A sample of the previous month collected at `point` (small_system's codes)."""
    pt = w["points"][point]
    when = dt.datetime(Y, M, min(day, PREV.day), 13, tzinfo=dt.UTC)
    s = Sample(code=f"CM-{pt.id}-{next(_seq)}", state=state, point_id=pt.id,
               system_id=w["system"].id, scheduled_for=when.date(), planned_for=when.date(),
               collected_at=when, field_readings={})
    s.parameters = [SampleParameter(parameter_id=w["params"][c].id) for c in params]
    from core.db import session

    session.add(s)
    session.flush()
    return s


@pytest.fixture()
def people(make_user):
    return {"coletor": make_user(Profile.COLLECTOR), "analista": make_user(Profile.ANALYST),
            "supervisor": make_user(Profile.SUPERVISOR), "gestor": make_user(Profile.MANAGER)}


@pytest.fixture()
def w(db):
    return small_system(population=12_000)


def field(w: dict, point: str, day: int, who, **readings: str) -> list[Result]:
    s = collected(w, point, day)
    return rs.enter_field_readings(s.id, readings, collector_id=who.id)


def lab(w: dict, point: str, day: int, who, code: str, text: str) -> Result:
    s = collected(w, point, day, (code,), state=SampleState.AWAITING_ANALYSIS)
    from lims.services import samples

    ref = samples.sample_ref(s.id)
    return rs.enter_result(ref, rs.resolve_parameter(w["params"][code].id), text,
                           analysed_at=ref.collected_at + dt.timedelta(hours=3),
                           analyst_id=who.id, entered_by_id=who.id)


def rows_of(system_id: int, **kw) -> dict[tuple[str, str], closing.ReportRow]:
    return {(r.parameter_code, r.where): r for r in documents.month_rows(system_id, Y, M, **kw)[0]}


def test_field_readings_become_results_waiting_for_four_eyes(w, people):
    got = field(w, "R1", 3, people["coletor"], cloro_residual_livre="1,1", turbidez="0,8",
                ph="7,2", temperatura="23")
    assert {r.parameter_code for r in got} == {"cloro_residual_livre", "turbidez", "ph",
                                               "temperatura"}
    cl = next(r for r in got if r.parameter_code == "cloro_residual_livre")
    assert (cl.method, cl.entered_by_id, cl.analyst_id, cl.state, cl.unit, cl.ld) == (
        "campo", people["coletor"].id, people["coletor"].id, ResultState.ENTERED, "mg/L",
        w["params"]["cloro_residual_livre"].ld)
    # the same entry replayed changes nothing
    assert rs.enter_field_readings(cl.sample_id, {"cloro_residual_livre": "1,1"},
                                   collector_id=people["coletor"].id) == []
    with pytest.raises(PermissionDenied):  # the collector cannot validate what they measured
        validation.validate([cl.id], people["coletor"].id)
    # not validated yet: the month cannot close, and nothing counts
    with pytest.raises(Conflict):
        closing.close_month(w["system"].id, Y, M, user_id=people["gestor"].id)
    assert rows_of(w["system"].id)[("cloro_residual_livre", "rede")].analysed == 0
    validation.validate([r.id for r in got], people["supervisor"].id)
    rows = rows_of(w["system"].id)
    row = rows[("cloro_residual_livre", "rede")]
    assert (row.analysed, row.field_readings, row.verdict) == (1, 1, "conforme")
    # temperature has no limit and no monthly rule: a result in the history, no verdict row
    assert not [k for k in rows if k[0] == "temperatura"]


def test_a_lab_correction_keeps_the_field_value_in_history(w, people):
    (cl,) = field(w, "R2", 4, people["coletor"], cloro_residual_livre="0,1")
    validation.validate([cl.id], people["supervisor"].id)
    new = validation.correct(cl.id, "0,6", "reanalisado no laboratorio com DPD", people["supervisor"].id,
                             method="DPD colorimetrico (laboratorio)")
    hist = rs.results_of_sample(cl.sample_id, history=True)
    assert [(r.value_text, r.method, str(r.state)) for r in hist] == [
        ("0,1", "campo", "substituido"), ("0,6", "DPD colorimetrico (laboratorio)", "validado")]
    assert new.supersedes_id == cl.id
    row = rows_of(w["system"].id)[("cloro_residual_livre", "rede")]
    assert (row.analysed, row.conforming, row.field_readings) == (1, 1, 0)


def test_a_field_chlorine_reading_fails_the_month(w, people):
    """Hand-worked: network free chlorine, 4 samples (min 0,2 mg/L in every sample): lab 0,9
    and 1,2, field 0,8 and 0,15 -> 3 of 4 conforming, 2 of them field readings, NAO CONFORME."""
    ids = [lab(w, "R1", 2, people["analista"], "cloro_residual_livre", "0,9").id,
           lab(w, "R2", 9, people["analista"], "cloro_residual_livre", "1,2").id]
    ids += [r.id for r in field(w, "R3", 16, people["coletor"], cloro_residual_livre="0,8")]
    ids += [r.id for r in field(w, "R1", 23, people["coletor"], cloro_residual_livre="0,15")]
    validation.validate(ids, people["supervisor"].id)
    row = rows_of(w["system"].id)[("cloro_residual_livre", "rede")]
    assert (row.analysed, row.conforming, row.nonconforming, row.field_readings,
            row.verdict) == (4, 3, 1, 2, "nao_conforme")
    assert row.reason.startswith("1 amostra(s) fora do padrão")
    c = closing.close_month(w["system"].id, Y, M, user_id=people["gestor"].id)
    (stored,) = [r for r in closing.stored_rows(c.id)
                 if (r.parameter_code, r.where) == ("cloro_residual_livre", "rede")]
    assert stored == row
    q = api.quality_summary(w["system"].id, Y, M)
    cl = next(p for p in q.parameters if p.parameter_code == "cloro_residual_livre")
    assert (q.closed, cl.analysed, cl.conforming, cl.field_readings, cl.verdict) == (
        True, 4, 3, 2, "nao_conforme")


def _outlet_fails_network_passes(w, people) -> None:
    """Free chlorine: outlet 1,2 (field); reservoir 0,9, R1 1,0 (field), R2 0,7, all fed by the
    reservoir; R9, a network point on another branch (not fed by the reservoir), 0,1 (field,
    below the 0,2 minimum of distribution). The system's month fails in the network (3 of 4);
    the reservoir scope (RES and what it feeds) conforms (3 of 3)."""
    from core.db import session
    from lims.models.registry import CollectionPoint

    sysid = w["system"].id
    r9 = CollectionPoint(code=f"P{sysid}-R9", name="Ponto R9", system_id=sysid, kind="rede",
                         neighbourhood="Vila Nova", photos=[])
    session.add(r9)
    session.flush()
    w["points"]["R9"] = r9
    ids = [r.id for r in field(w, "SAI", 5, people["coletor"], cloro_residual_livre="1,2")]
    ids.append(lab(w, "RES", 5, people["analista"], "cloro_residual_livre", "0,9").id)
    ids += [r.id for r in field(w, "R1", 6, people["coletor"], cloro_residual_livre="1,0")]
    ids.append(lab(w, "R2", 7, people["analista"], "cloro_residual_livre", "0,7").id)
    ids += [r.id for r in field(w, "R9", 8, people["coletor"], cloro_residual_livre="0,1")]
    validation.validate(ids, people["supervisor"].id)


def test_the_same_month_closed_at_reservoir_and_at_system_level(w, people):
    _outlet_fails_network_passes(w, people)
    sysid, res = w["system"].id, w["points"]["RES"].id
    rc = closing.close_month(sysid, Y, M, user_id=people["gestor"].id,
                             level=ClosingLevel.RESERVOIR, scope_id=res)
    assert rc.scope_name == "Ponto RES" and set(rc.point_ids) == {
        w["points"][c].id for c in ("RES", "R1", "R2", "R3")}
    # the reservoir scope: only what the reservoir feeds; the outlet is outside it
    got = {(r.parameter_code, r.where): r for r in closing.stored_rows(rc.id)}
    net = got[("cloro_residual_livre", "rede")]
    assert (net.analysed, net.conforming, net.field_readings, net.verdict) == (3, 3, 1, "conforme")
    assert got.get(("cloro_residual_livre", "saida")) is None or \
        got[("cloro_residual_livre", "saida")].analysed == 0
    # the reservoir's points are locked; the outlet and the other branch are still open
    with pytest.raises(Conflict):
        field(w, "R3", 20, people["coletor"], cloro_residual_livre="1,0")
    field(w, "SAI", 20, people["coletor"], turbidez="0,3")
    field(w, "R9", 20, people["coletor"], turbidez="0,8")
    assert not closing.is_closed(sysid, Y, M)
    assert closing.is_closed(sysid, Y, M, point_id=w["points"]["R3"].id)
    # validate what came in, then close the system: the field reading at R9 fails it
    pending = [r.id for r in validation.pending_validation() if r.system_id == sysid]
    validation.validate(pending, people["supervisor"].id)
    sc = closing.close_month(sysid, Y, M, user_id=people["gestor"].id)
    got = {(r.parameter_code, r.where): r for r in closing.stored_rows(sc.id)}
    net = got[("cloro_residual_livre", "rede")]
    assert (net.analysed, net.conforming, net.field_readings, net.verdict) == (
        4, 3, 2, "nao_conforme")
    out = got[("cloro_residual_livre", "saida")]
    assert (out.analysed, out.conforming, out.field_readings) == (1, 1, 1)
    # quality_summary takes the level and the scope
    qs = api.quality_summary(sysid, Y, M)
    qr = api.quality_summary(sysid, Y, M, level="reservatorio", scope_id=res)
    cl = {q.level: next(p for p in q.parameters if p.parameter_code == "cloro_residual_livre")
          for q in (qs, qr)}
    assert (qs.closed, qr.closed, qr.scope_name) == (True, True, "Ponto RES")
    assert (cl["sistema"].analysed, cl["sistema"].verdict) == (5, "nao_conforme")
    assert (cl["reservatorio"].analysed, cl["reservatorio"].verdict) == (3, "conforme")
    # the invoice takes the most specific closed scope serving the connection
    hood = api.quality_for_connection(sysid, Y, M, neighbourhood="Centro")
    assert (hood.level, hood.scope_id) == ("reservatorio", res)
    other = api.quality_for_connection(sysid, Y, M, neighbourhood="Bairro sem reservatorio")
    assert other.level == "sistema"
    from commercial.services.quality import quality_block

    block = quality_block(sysid, Y, M, months_back=0, neighbourhood="Centro")
    assert block["level"] == "reservatorio" and block["scope_label"].startswith("Reservatório Ponto RES")


def test_reopening_keeps_the_old_snapshot_and_reclosing_writes_a_new_one(w, people, db):
    _outlet_fails_network_passes(w, people)
    sysid = w["system"].id
    c = closing.close_month(sysid, Y, M, user_id=people["gestor"].id)
    first = {(r.parameter_code, r.where): r.analysed for r in closing.stored_rows(c.id)}
    closing.reopen_month(c.id, "laudo externo chegou depois do fechamento",
                         user_id=people["gestor"].id)
    assert not api.quality_summary(sysid, Y, M).closed
    ids = [r.id for r in field(w, "R3", 25, people["coletor"], cloro_residual_livre="1,3")]
    validation.validate(ids, people["supervisor"].id)
    c2 = closing.close_month(sysid, Y, M, user_id=people["gestor"].id)
    assert c2.id == c.id and c2.times_closed == 2
    now = {(r.parameter_code, r.where): r.analysed for r in closing.stored_rows(c.id)}
    old = {(r.parameter_code, r.where): r.analysed for r in closing.stored_rows(c.id, snapshot=1)}
    assert old == first
    assert now[("cloro_residual_livre", "rede")] == first[("cloro_residual_livre", "rede")] + 1
    assert [(s, cur) for s, cur, _at in closing.snapshots(c.id)] == [(1, False), (2, True)]
    n_current = db.scalars(select(MonthSummary.snapshot).where(
        MonthSummary.closing_id == c.id, MonthSummary.current.is_(True))).all()
    assert set(n_current) == {2}


def test_the_invoice_scope_follows_the_connection_sector(w, people, db):
    """sector -> reservoir -> system: a connection in a sector whose unit holds a point of a
    closed reservoir scope gets that scope; any other connection gets the system."""
    from lims.models.registry import Unit

    _outlet_fails_network_passes(w, people)
    sysid, res = w["system"].id, w["points"]["RES"].id
    sector = Unit(system_id=sysid, code=f"SET-{sysid}", name="Setor Alto", kind="setor",
                  neighbourhoods=[])
    db.add(sector)
    db.flush()
    segment = Unit(system_id=sysid, code=f"SEG-{sysid}", name="Segmento 1", kind="segmento",
                   parent_id=sector.id, neighbourhoods=[])
    db.add(segment)
    db.flush()
    w["points"]["R2"].unit_id = segment.id
    db.flush()
    closing.close_month(sysid, Y, M, user_id=people["gestor"].id)
    # only the system is closed: every connection reads the system
    assert api.quality_for_connection(sysid, Y, M, sector_code=sector.code).level == "sistema"
    closing.close_month(sysid, Y, M, user_id=people["gestor"].id,
                        level=ClosingLevel.RESERVOIR, scope_id=res)
    got = api.quality_for_connection(sysid, Y, M, sector_code=sector.code,
                                     neighbourhood="Outro bairro")
    assert (got.level, got.scope_id, got.closed) == ("reservatorio", res, True)
    assert api.quality_for_connection(sysid, Y, M, sector_code="SET-OUTRO",
                                      neighbourhood="Outro bairro").level == "sistema"


def test_closing_page_closes_and_reopens_one_scope(w, people, client, db, login_as):
    _outlet_fails_network_passes(w, people)
    db.commit()
    sysid, res = w["system"].id, w["points"]["RES"].id
    login_as(Profile.MANAGER)
    url = f"/lims/fechamento?sistema={sysid}&ano={Y}&mes={M}&escopo=reservatorio:{res}"
    html = client.get(url).get_data(as_text=True)
    assert f'value="reservatorio:{res}" selected' in html and "Leituras de campo" in html
    assert "Contagem: resultados validados" in html
    r = client.post("/lims/fechamento/fechar", data={"sistema": sysid, "ano": Y, "mes": M,
                                                     "escopo": f"reservatorio:{res}"})
    assert r.status_code == 302 and f"escopo=reservatorio:{res}" in r.headers["Location"]
    c = closing.closing_of(sysid, Y, M, ClosingLevel.RESERVOIR, res)
    assert closing.is_closed_record(c) and not closing.is_closed(sysid, Y, M)
    html = client.get(url).get_data(as_text=True)
    assert "Números gravados no fechamento" in html
    pdf = client.get(f"/lims/relatorios/fechamento?sistema={sysid}&ano={Y}&mes={M}"
                     f"&formato=pdf&escopo=reservatorio:{res}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/lims/fechamento?sistema={sysid}&ano={Y}&mes={M}&escopo=reservatorio:x"
                      ).status_code in (302, 422)
    client.post(f"/lims/fechamento/{c.id}/reabrir",
                data={"justificativa": "laudo externo chegou depois do fechamento"})
    assert not closing.is_closed_record(closing.closing_of(sysid, Y, M, ClosingLevel.RESERVOIR, res))


def test_a_sample_read_only_in_the_field_waits_for_validation_once_received(w, people):
    """Every parameter of the sample was read by the collector: at reception nothing is left
    for the bench, so the sample goes straight on to AGUARDANDO VALIDACAO (seen failing: it
    stayed AGUARDANDO ANALISE with nothing to enter)."""
    from lims.services import reception

    s = collected(w, "R1", 5, ("cloro_residual_livre", "turbidez"))
    rs.enter_field_readings(s.id, {"cloro_residual_livre": "1,0", "turbidez": "0,4"},
                            collector_id=people["coletor"].id)
    reception.receive(s.code, user_id=people["analista"].id)
    from core.db import session

    assert session.get(Sample, s.id).state == SampleState.AWAITING_VALIDATION
    # a sample with a parameter still for the bench waits for it, as before
    s2 = collected(w, "R2", 6, ("cloro_residual_livre", "coliformes_totais"))
    rs.enter_field_readings(s2.id, {"cloro_residual_livre": "0,9"}, collector_id=people["coletor"].id)
    reception.receive(s2.code, user_id=people["analista"].id)
    assert session.get(Sample, s2.id).state == SampleState.AWAITING_ANALYSIS
