"""The QC registry (issue 20 part 2 gap): reference materials, QC acceptance per method and
worksheet templates are validated in pt-BR per field, audited, deactivated (never deleted),
and managed on pages a Supervisor may use and an analyst may not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import ValidationError
from core.fmt import today
from lims.models.methods import Method
from lims.models.worksheets import QcSetting, ReferenceMaterial, WorksheetTemplate
from lims.services import qc_registry as svc
from tests.lims.test_results import CL


@pytest.fixture()
def method(db):
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(CL)
    m = Method(code="T-CL-REG", name="Cloro livre (DPD)", parameter_id=CL.id, unit="mg/L",
               ld=D("0.05"), lq=D("0.10"))
    db.add(m)
    db.flush()
    return m


def _material(method, **over):  # type: ignore[no-untyped-def]
    data = {"codigo": "MRC-CL-9", "nome": "Padrão de cloro 1,00 mg/L", "metodo": str(method.id),
            "valor": "1,00", "tolerancia": "0,10", "unidade": "mg/L", "lote": "L77",
            "validade": (today() + dt.timedelta(days=90)).isoformat(), "ativo": "1"}
    return {**data, **over}


def _audits(db, table: str, row_id: int) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(AuditLog).where(AuditLog.model == table,
                                                  AuditLog.row_id == str(row_id))))


def test_material_refuses_past_expiry_and_non_positive_tolerance(db, make_user, method):
    user = make_user(Profile.SUPERVISOR)
    past = (today() - dt.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as exc:
        svc.save_material(_material(method, validade=past, tolerancia="0"), user_id=user.id)
    assert exc.value.fields["validade"][0].startswith("Material vencido")
    assert exc.value.fields["tolerancia"] == ["A tolerância deve ser maior que zero."]
    assert db.scalars(select(ReferenceMaterial).where(ReferenceMaterial.code == "MRC-CL-9")).first() is None
    rm = svc.save_material(_material(method), user_id=user.id)
    assert rm.certified_value == D("1.00") and rm.expires_on > today()
    # an existing material keeps its (now past) expiry when edited: it is deactivated instead
    updated = svc.save_material(_material(method, validade=past, ativo=""), material_id=rm.id,
                                user_id=user.id, reason="lote esgotado")
    assert updated.active is False
    rows = _audits(db, "lims_reference_material", rm.id)
    assert [r.action for r in rows] == ["insert", "update"]
    assert rows[1].reason == "lote esgotado" and rows[1].user_id == user.id
    assert "active" in rows[1].changes


def test_qc_setting_limits_and_audit(db, make_user, method):
    user = make_user(Profile.SUPERVISOR)
    with pytest.raises(ValidationError) as exc:
        svc.save_setting(method.id, {"rpd": "0", "branco": "xx"}, user_id=user.id)
    assert set(exc.value.fields) == {"rpd", "branco"}
    s = svc.save_setting(method.id, {"rpd": "15,5", "branco": "lq"}, user_id=user.id)
    assert (s.duplicate_max_rpd, s.blank_limit) == (D("15.5"), "lq")
    svc.save_setting(method.id, {"rpd": "12", "branco": "lq"}, user_id=user.id)
    assert db.scalars(select(QcSetting).where(QcSetting.method_id == method.id)).one().duplicate_max_rpd == 12
    assert len(_audits(db, "lims_qc_setting", s.id)) == 2


def _template(method, rm, **over):  # type: ignore[no-untyped-def]
    data = {"nome": "Cloro 10 + CQ", "metodo": str(method.id), "amostras": "10", "ativo": "1",
            "tipo_1": "branco", "posicao_1": "1", "tipo_2": "duplicata", "posicao_2": "7",
            "de_2": "5", "tipo_3": "referencia", "posicao_3": "13", "material_3": str(rm.id)}
    return {**data, **over}


def test_template_positions_are_checked(db, make_user, method):
    user = make_user(Profile.SUPERVISOR)
    rm = svc.save_material(_material(method), user_id=user.id)
    bad = _template(method, rm, posicao_1="14", posicao_2="13", de_2="11", material_3="")
    with pytest.raises(ValidationError) as exc:
        svc.save_template(bad, user_id=user.id)
    f = exc.value.fields
    assert f["posicao_1"] == ["A posição deve estar entre 1 e 13 (10 amostras + 3 controles)."]
    assert f["de_2"] == ["A duplicata repete uma amostra existente: informe de 1 a 10."]
    assert f["material_3"] == ["Escolha um material de referência ativo do método."]
    with pytest.raises(ValidationError) as exc:
        svc.save_template(_template(method, rm, posicao_3="7"), user_id=user.id)
    assert exc.value.fields["posicao_3"] == ["A posição 7 já tem outro controle (linha 2)."]
    t = svc.save_template(_template(method, rm), user_id=user.id)
    assert t.sample_count == 10 and t.layout == [
        {"tipo": "branco", "posicao": 1}, {"tipo": "duplicata", "posicao": 7, "de": 5},
        {"tipo": "referencia", "posicao": 13, "material": rm.id}]
    assert svc.form_of_template(t)["material_3"] == str(rm.id)
    svc.save_template({**svc.form_of_template(t), "ativo": ""}, template_id=t.id, user_id=user.id)
    assert db.get(WorksheetTemplate, t.id).active is False
    assert [a.action for a in _audits(db, "lims_worksheet_template", t.id)] == ["insert", "update"]


def test_pages_as_supervisor_and_analyst_is_refused(client, db, login_as, method):
    db.commit()
    login_as(Profile.SUPERVISOR)
    for url in ("/lims/materiais-referencia", "/lims/materiais-referencia/novo",
                "/lims/controle-qualidade/metodos", "/lims/modelos-planilha",
                "/lims/modelos-planilha/novo"):
        assert client.get(url).status_code == 200, url
    past = (today() - dt.timedelta(days=3)).isoformat()
    r = client.post("/lims/materiais-referencia/novo", data=_material(method, validade=past))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Material vencido: a validade deve ser a partir de" in html
    assert 'class="erro-campo" id="e-validade"' in html and 'value="MRC-CL-9"' in html
    r = client.post("/lims/materiais-referencia/novo", data=_material(method))
    assert r.status_code == 302
    rm = db.scalars(select(ReferenceMaterial).where(ReferenceMaterial.code == "MRC-CL-9")).one()
    listing = client.get("/lims/materiais-referencia").get_data(as_text=True)
    assert "MRC-CL-9" in listing and "1 ± 0,1 mg/L" in listing
    assert 'value="0,1"' in client.get(f"/lims/materiais-referencia/{rm.id}").get_data(as_text=True)
    r = client.post("/lims/modelos-planilha/novo", data=_template(method, rm, de_2="40"))
    assert "informe de 1 a 10" in r.get_data(as_text=True)
    assert client.post("/lims/modelos-planilha/novo", data=_template(method, rm)).status_code == 302
    t = db.scalars(select(WorksheetTemplate).where(WorksheetTemplate.name == "Cloro 10 + CQ")).one()
    assert "repete a amostra 5" in client.get("/lims/modelos-planilha").get_data(as_text=True)
    assert client.get(f"/lims/modelos-planilha/{t.id}").status_code == 200
    r = client.post("/lims/controle-qualidade/metodos", data={"metodo": str(method.id), "rpd": "-1",
                                                               "branco": "ld"})
    assert "maior que 0 e no máximo 100%" in r.get_data(as_text=True)
    assert client.post("/lims/controle-qualidade/metodos", data={
        "metodo": str(method.id), "rpd": "8", "branco": "lq"}).status_code == 302
    assert "Materiais de referência" in client.get("/lims/planilhas").get_data(as_text=True)
    login_as(Profile.ANALYST)
    for url, data in (("/lims/materiais-referencia/novo", _material(method, codigo="X")),
                      (f"/lims/modelos-planilha/{t.id}", _template(method, rm)),
                      ("/lims/controle-qualidade/metodos", {"metodo": str(method.id), "rpd": "5",
                                                           "branco": "ld"})):
        assert client.post(url, data=data).status_code == 403, url
