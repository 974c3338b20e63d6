"""Issue 20 pages: the grid refuses an instrument out of calibration (pt-BR, nothing written),
the Gestor/Supervisor pages of methods, instruments, competences and rules work end to end,
the Supervisor decides a held result on its page, and the closing page lists it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.fmt import today
from lims.models.holds import ResultHold
from lims.models.methods import Competence, Instrument, InstrumentRecord, Method, ParameterRule
from lims.models.results import Result
from lims.services import parameter_rules
from lims.services import results as rs
from tests.lims.test_results import CT, TU, M, Y, sample


@pytest.fixture()
def source():
    refs = [sample(day=d, system_id=970) for d in (2, 3)]
    rs.register_entry_source(lambda code, sid: [(r, [TU]) for r in refs if sid in (None, r.id)])
    yield refs
    rs.register_entry_source(None)


def test_grid_refuses_an_instrument_whose_calibration_expired_yesterday(client, db, login_as,
                                                                         source):
    login_as(Profile.ANALYST)
    inst = Instrument(code="TB-02", name="Turbidímetro 2100Q", kind="turbidímetro",
                      calibration_due=today() - dt.timedelta(days=1))
    db.add(inst)
    db.commit()
    a, b = source
    page = client.get("/lims/resultados/grade?parametro=turbidez").get_data(as_text=True)
    assert "TB-02 - Turbidímetro 2100Q" in page
    r = client.post("/lims/resultados/grade", data={"parametro": "turbidez",
                    f"valor_{a.id}": "0,8", f"valor_{b.id}": "0,9", "instrumento_id": str(inst.id)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "A calibração do instrumento TB-02 (Turbidímetro 2100Q) venceu em" in html
    assert db.scalars(select(Result).where(Result.system_id == 970)).first() is None
    inst.calibration_due = today() + dt.timedelta(days=30)
    db.commit()
    r = client.post("/lims/resultados/grade", data={"parametro": "turbidez",
                    f"valor_{a.id}": "0,8", "instrumento_id": str(inst.id)})
    assert r.status_code == 302
    [got] = db.scalars(select(Result).where(Result.system_id == 970)).all()
    assert got.instrument_id == inst.id


def test_manager_pages_for_methods_instruments_and_rules(client, db, login_as, make_user):
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(TU)
    analyst = make_user(Profile.ANALYST, name="Ana Analista")
    db.commit()
    login_as(Profile.SUPERVISOR)
    assert client.post("/lims/metodos/novo", data={"codigo": "TURB-NEF", "nome": "Nefelometria",
                       "parametro": str(TU.id), "referencia": "SMEWW 2130 B", "unidade": "uT",
                       "ld": "0,05", "lq": "0,1", "ativo": "1"}).status_code == 302
    m = db.scalars(select(Method).where(Method.code == "TURB-NEF")).one()
    assert client.post(f"/lims/metodos/{m.id}/faixas", data={"de": "0", "ate": "10",
                       "u_rel": "8"}).status_code == 302
    assert client.post(f"/lims/metodos/{m.id}/competencias", data={
        "analista": str(analyst.id), "desde": today().isoformat(),
        "evidencia": "ensaio de proficiência"}).status_code == 302
    assert db.scalars(select(Competence).where(Competence.method_id == m.id)).one().active
    html = client.get(f"/lims/metodos/{m.id}").get_data(as_text=True)
    assert "Ana Analista" in html and "± 8%" in html
    assert "Ana Analista" in client.get("/lims/competencias").get_data(as_text=True)
    assert client.post("/lims/instrumentos/novo", data={"codigo": "TB-9", "nome": "Turbidímetro",
                       "ativo": "1"}).status_code == 302
    i = db.scalars(select(Instrument).where(Instrument.code == "TB-9")).one()
    # a calibration without its certificate is refused in pt-BR; with it, it sets the due date
    r = client.post(f"/lims/instrumentos/{i.id}/registros", data={
        "tipo": "calibracao", "data": today().isoformat(),
        "vencimento": (today() + dt.timedelta(days=10)).isoformat(), "responsavel": "Lab RBC"})
    assert r.status_code == 302 and db.scalars(select(InstrumentRecord)).first() is None
    client.post(f"/lims/instrumentos/{i.id}/registros", data={
        "tipo": "calibracao", "data": today().isoformat(), "certificado": "RBC 77/26",
        "vencimento": (today() + dt.timedelta(days=10)).isoformat(), "responsavel": "Lab RBC"})
    db.refresh(i)
    assert i.calibration_due == today() + dt.timedelta(days=10)
    assert "vence em 10 dia(s)" in client.get("/lims/instrumentos").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Calibrações a vencer" in home and "TB-9" in home
    assert client.post(f"/lims/regras-parametros/{TU.id}", data={
        "prazo_horas": "24", "temp_max": "10", "regra_decisao": "banda_de_guarda",
        "verificacoes": "2"}).status_code == 302
    rule = db.scalars(select(ParameterRule).where(ParameterRule.parameter_id == TU.id)).one()
    assert (rule.max_hours, rule.decision_rule, rule.verifications) == (24, "banda_de_guarda", 2)
    assert "Banda de guarda" in client.get("/lims/regras-parametros").get_data(as_text=True)


def test_analyst_cannot_manage_methods(client, login_as):
    login_as(Profile.ANALYST)
    assert client.get("/lims/metodos").status_code == 403
    assert client.get("/lims/retencoes").status_code == 403


def test_supervisor_accepts_a_late_coliform_and_the_closing_page_shows_it(client, db, login_as,
                                                                          make_user):
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(CT)
    parameter_rules.save_rule(CT.id, {"prazo_horas": "30"}, user_id=None)
    analyst = make_user(Profile.ANALYST)
    s = sample(system_id=971)
    r = rs.enter_result(s, CT, "Ausente", analysed_at=s.collected_at + dt.timedelta(hours=36),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    db.commit()
    login_as(Profile.SUPERVISOR, Profile.MANAGER)
    page = client.get("/lims/retencoes").get_data(as_text=True)
    assert s.code in page and "Análise após o prazo de validade da amostra" in page
    assert "retido" in client.get("/lims/validacao").get_data(as_text=True)
    h = db.scalars(select(ResultHold).where(ResultHold.result_id == r.id)).one()
    assert client.post("/lims/retencoes", data={"retencao": str(h.id), "decisao": "aceitar",
                       "justificativa": "ausência; atraso de 6 h no transporte"}).status_code == 302
    db.refresh(h)
    assert h.decision == "aceitar"
    html = client.get(f"/lims/fechamento?sistema=971&ano={Y}&mes={M}").get_data(as_text=True)
    assert "Resultados retidos no mês" in html and s.code in html
    assert "aceito com justificativa" in html and "atraso de 6 h no transporte" in html


def test_reception_says_a_sample_arrived_out_of_temperature_and_shows_the_time_left(
        client, db, login_as):
    from lims.domain.samples import SampleState
    from tests.lims.part1_rows import ensure_parameter, ensure_sample
    ensure_parameter(CT)
    parameter_rules.save_rule(CT.id, {"prazo_horas": "30", "temp_max": "10"}, user_id=None)
    ref = rs.SampleRef(id=96_001, code="AM-96001", point_id=796, point_code="P9",
                       point_name="Ponto 9", point_kind="rede", system_id=972,
                       system_name="Sistema Teste",
                       collected_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=6))
    ensure_sample(ref, (CT,), state=SampleState.COLLECTED)
    db.commit()
    login_as(Profile.SUPERVISOR)
    r = client.post("/lims/recepcao", data={"codigo": "AM-96001", "temperatura": "14,5"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Amostra AM-96001 recebida" in html
    assert "Atenção: 14,5 °C fora da faixa de Coliformes totais (até 10,0 °C)" in html
    assert "Coliformes totais: 23 h" in html or "Coliformes totais: 24 h" in html


def test_validation_page_says_a_second_verification_is_needed(client, db, login_as, make_user):
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(TU)
    parameter_rules.save_rule(TU.id, {"verificacoes": "2"}, user_id=None)
    analyst = make_user(Profile.ANALYST)
    r = rs.enter_result(sample(system_id=973), TU, "0,8", analyst_id=analyst.id,
                        entered_by_id=analyst.id)
    db.commit()
    login_as(Profile.SUPERVISOR)
    html = client.post("/lims/validacao", data={"resultado": str(r.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "0 resultado(s) validado(s)" in html
    assert "1 verificação(ões) registrada(s): o resultado ainda precisa da verificação" in html
    assert "1 de 2 verificações" in html
