"""Worksheets and their QC samples (issue 20 parts 1-2), at the service layer on PostgreSQL:
the flow of the issue's "done means" (template with blank + duplicate + reference standard,
20 samples, the reference out of tolerance -> all 20 held -> the Supervisor orders a
reanalysis -> the rerun passes -> validation), and each QC judgement on its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import Conflict, ValidationError
from core.fmt import today
from lims.models.holds import HoldDecision, HoldKind
from lims.models.methods import Instrument, Method
from lims.models.results import Result, ResultState
from lims.models.worksheets import (
    QcSetting,
    ReferenceMaterial,
    SlotKind,
    WorksheetState,
    WorksheetTemplate,
)
from lims.services import holds, validation
from lims.services import worksheets as ws_svc
from tests.lims.test_results import CL, sample


@pytest.fixture()
def lab(db):
    """Free chlorine: method, instrument in calibration, a reference standard (1,00 ± 0,10
    mg/L), a 10 % duplicate limit and a template of 20 samples with blank, duplicate and
    reference positions; 20 samples awaiting analysis."""
    refs = [sample(day=1 + i % 20) for i in range(20)]
    m = Method(code="T-SMEWW-4500-CL-G", name="Cloro residual livre (DPD)", parameter_id=CL.id,
               reference="SMEWW 4500-Cl G", unit="mg/L", ld=D("0.05"), lq=D("0.10"))
    inst = Instrument(code="COL-01", name="Colorímetro DPD", kind="colorímetro",
                      calibration_due=today() + dt.timedelta(days=30))
    db.add_all([m, inst])
    db.flush()
    rm = ReferenceMaterial(code="MRC-CL-1", name="Padrão de cloro 1,00 mg/L", method_id=m.id,
                           certified_value=D("1.00"), tolerance=D("0.10"), unit="mg/L",
                           lot="L2291", expires_on=today() + dt.timedelta(days=200))
    db.add_all([rm, QcSetting(method_id=m.id, duplicate_max_rpd=D("10"), blank_limit="ld")])
    db.flush()
    tpl = WorksheetTemplate(name="Cloro 20 + CQ", method_id=m.id, sample_count=20, layout=[
        {"tipo": "branco", "posicao": 1}, {"tipo": "duplicata", "posicao": 12, "de": 5},
        {"tipo": "referencia", "posicao": 23, "material": rm.id}])
    db.add(tpl)
    db.flush()
    return {"refs": refs, "method": m, "inst": inst, "rm": rm, "tpl": tpl}


def _analyst(make_user, lab):  # type: ignore[no-untyped-def]
    """An analyst authorised for the worksheet's method (issue 20 item 3: competence)."""
    from lims.services import methods

    a = make_user(Profile.ANALYST)
    methods.grant(a.id, lab["method"].id, granted_on=today(), by_id=None, reason="habilitação do teste")
    return a


def _readings(sheet, *, reference="1,02", blank="< LD", duplicate="0,86"):
    out = {}
    for s in ws_svc.slots(sheet.id):
        out[s.position] = {SlotKind.BLANK.value: blank, SlotKind.DUPLICATE.value: duplicate,
                           SlotKind.REFERENCE.value: reference}.get(s.kind, "0,85")
    return out


def test_failed_reference_holds_all_twenty_until_reanalysis(db, make_user, lab):
    analyst, sup = _analyst(make_user, lab), make_user(Profile.SUPERVISOR)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          sample_ids=[r.id for r in lab["refs"]], instrument_id=lab["inst"].id,
                          reagent_lots="DPD lote 4471; tampão lote 88")
    rows = ws_svc.slots(sheet.id)
    assert len(rows) == 23 and [s.kind for s in rows].count(SlotKind.SAMPLE.value) == 20
    assert rows[0].kind == "branco" and rows[11].kind == "duplicata" and rows[22].kind == "referencia"
    assert rows[11].sample_id == lab["refs"][4].id  # the 5th sample, duplicated

    ws_svc.enter_readings(sheet.id, _readings(sheet, reference="1,25"), user_id=analyst.id)
    db.commit()
    assert sheet.state == WorksheetState.HELD and sheet.qc_passed is False
    assert "MRC-CL-1" in sheet.qc_summary and "1,25" in sheet.qc_summary
    first = [s.result_id for s in ws_svc.slots(sheet.id) if s.result_id]
    assert len(first) == 20
    held = holds.undecided(first)
    assert len(held) == 20 and all(h[0].kind == HoldKind.QC and h[0].ref == f"planilha:{sheet.id}"
                                   for h in held.values())
    with pytest.raises(Conflict) as err:
        validation.validate(first, sup.id)
    assert err.value.code == "resultado_retido"

    rerun = ws_svc.decide(sheet.id, HoldDecision.REANALYSE,
                          "padrão fora da tolerância; refazer com reagente novo", sup.id)
    assert sheet.state == WorksheetState.RERUN and rerun.rerun_of_id == sheet.id
    assert all(db.get(Result, rid).state == ResultState.SUPERSEDED for rid in first)
    assert [(s.position, s.kind, s.sample_id) for s in ws_svc.slots(rerun.id)] == [
        (s.position, s.kind, s.sample_id) for s in rows]

    ws_svc.enter_readings(rerun.id, _readings(rerun), user_id=analyst.id)
    assert rerun.state == WorksheetState.DONE and rerun.qc_passed is True
    second = [s.result_id for s in ws_svc.slots(rerun.id) if s.result_id]
    assert holds.undecided(second) == {}
    olds = {db.get(Result, rid).sample_id: db.get(Result, rid) for rid in first}
    for rid in second:
        new = db.get(Result, rid)
        assert olds[new.sample_id].superseded_by_id == new.id and new.supersedes_id is not None
        assert new.instrument.startswith("COL-01") and "planilha" in (new.observation or "")
    done = validation.validate(second, sup.id)
    assert len(done) == 20 and all(r.state == ResultState.VALIDATED for r in done)
    audited = db.scalars(select(AuditLog).where(AuditLog.model == "lims_worksheet",
                                                AuditLog.row_id == str(sheet.id))).all()
    assert len(audited) >= 3  # created, readings, decision


def test_accept_with_justification_releases_the_results(db, make_user, lab):
    analyst, sup = _analyst(make_user, lab), make_user(Profile.SUPERVISOR)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          instrument_id=lab["inst"].id)
    ws_svc.enter_readings(sheet.id, _readings(sheet, blank="0,09"), user_id=analyst.id)
    assert sheet.state == WorksheetState.HELD and "branco" in sheet.qc_summary.lower()
    with pytest.raises(ValidationError):
        ws_svc.decide(sheet.id, HoldDecision.ACCEPT, "ok", sup.id)
    ws_svc.decide(sheet.id, HoldDecision.ACCEPT,
                  "branco contaminado pela vidraria; amostras coerentes com o histórico", sup.id)
    assert sheet.state == WorksheetState.ACCEPTED
    ids = [s.result_id for s in ws_svc.slots(sheet.id) if s.result_id]
    assert len(validation.validate(ids, sup.id)) == 20


@pytest.mark.parametrize(("kw", "why"), [
    ({"duplicate": "1,10"}, "diferença relativa"),
    ({"reference": "0,85"}, "MRC-CL-1"),
    ({"blank": "0,06"}, "branco"),
])
def test_each_qc_sample_can_fail(db, make_user, lab, kw, why):
    analyst = _analyst(make_user, lab)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          instrument_id=lab["inst"].id)
    ws_svc.enter_readings(sheet.id, _readings(sheet, **kw), user_id=analyst.id)
    assert sheet.state == WorksheetState.HELD and why in sheet.qc_summary


def test_expired_reference_material_fails_and_instrument_must_be_calibrated(db, make_user, lab):
    analyst = _analyst(make_user, lab)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id)
    with pytest.raises(ValidationError) as err:
        ws_svc.enter_readings(sheet.id, _readings(sheet), user_id=analyst.id)
    assert "instrumento" in str(err.value)
    lab["inst"].calibration_due = today() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        ws_svc.enter_readings(sheet.id, _readings(sheet), user_id=analyst.id,
                              instrument_id=lab["inst"].id)
    assert err.value.code == "instrumento_vencido"
    lab["inst"].calibration_due = today()
    lab["rm"].expires_on = today() - dt.timedelta(days=1)
    ws_svc.enter_readings(sheet.id, _readings(sheet), user_id=analyst.id,
                          instrument_id=lab["inst"].id)
    assert sheet.state == WorksheetState.HELD and "vencido" in sheet.qc_summary


def test_readings_all_or_nothing(db, make_user, lab):
    analyst = _analyst(make_user, lab)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          instrument_id=lab["inst"].id)
    readings = _readings(sheet)
    readings[3], readings[23] = "abc", ""
    with pytest.raises(ValidationError) as err:
        ws_svc.enter_readings(sheet.id, readings, user_id=analyst.id)
    assert set(err.value.fields) == {"posicao_3", "posicao_23"}
    assert sheet.state == WorksheetState.OPEN
    assert not any(s.result_id for s in ws_svc.slots(sheet.id))
    # a sample on an open worksheet is not offered to another one
    assert ws_svc.candidates(lab["method"].id) == []


def test_bench_sheet_pdf_escapes_and_renders(db, make_user, lab, tmp_path):
    import shutil
    import subprocess

    from lims.services.bench_sheet import bench_sheet_pdf

    analyst = _analyst(make_user, lab)
    lab["method"].name = 'Cloro <img src="/etc/passwd"/> & DPD'
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          instrument_id=lab["inst"].id, reagent_lots="DPD <b>lote</b> 4471")
    pdf = bench_sheet_pdf(sheet.id, utility_name="SAAE <Teste>")
    assert pdf.startswith(b"%PDF") and len(pdf) > 3000
    (tmp_path / "bancada.pdf").write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm not installed")
    subprocess.run([pdftoppm, "-png", "-r", "70", str(tmp_path / "bancada.pdf"),
                    str(tmp_path / "bancada")], check=True, timeout=60)
    assert sorted(p.name for p in tmp_path.glob("bancada*.png"))
    text = subprocess.run([shutil.which("pdftotext") or "pdftotext", str(tmp_path / "bancada.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert '<img src="/etc/passwd"/>' in text and "DPD <b>lote</b> 4471" in text
    assert "Boletim de Análise" in text and "MRC-CL-1" in text and "Conferido por" in text


def test_pages_build_enter_and_decide(db, client, login_as, make_user, lab):
    from lims.models.worksheets import Worksheet
    from lims.services import methods

    sup = login_as(Profile.SUPERVISOR)
    m = lab["method"]
    methods.grant(sup.id, m.id, granted_on=today(), by_id=None, reason="habilitação do teste")
    assert "Planilhas de trabalho" in client.get("/lims/planilhas").get_data(as_text=True)
    form = client.get(f"/lims/planilhas/nova?metodo={m.id}").get_data(as_text=True)
    assert lab["refs"][0].code in form and "Cloro 20 + CQ" in form
    resp = client.post(f"/lims/planilhas/nova?metodo={m.id}", data={
        "metodo": m.id, "modelo": lab["tpl"].id, "instrumento": lab["inst"].id,
        "lotes": "DPD lote 9", "amostra": [r.id for r in lab["refs"][:6]]})
    assert resp.status_code == 302
    sheet = db.scalars(select(Worksheet).order_by(Worksheet.id.desc())).first()
    assert len(ws_svc.slots(sheet.id)) == 9 and sheet.created_by_id == sup.id
    data = {f"posicao_{k}": v for k, v in _readings(sheet, reference="abc").items()}
    bad = client.post(f"/lims/planilhas/{sheet.id}/leituras", data=data)
    assert bad.status_code == 422 and "nada foi gravado" in bad.get_data(as_text=True)
    data = {f"posicao_{k}": v for k, v in _readings(sheet, reference="0,70").items()}
    assert client.post(f"/lims/planilhas/{sheet.id}/leituras", data=data).status_code == 302
    page = client.get(f"/lims/planilhas/{sheet.id}").get_data(as_text=True)
    assert "Registrar decisão" in page and "reprovado" in page
    resp = client.post(f"/lims/planilhas/{sheet.id}/decisao", data={
        "decisao": "reanalisar", "justificativa": "padrão de cloro lido 0,70: refazer"})
    assert resp.status_code == 302 and sheet.state == WorksheetState.RERUN
    pdf = client.get(f"/lims/planilhas/{sheet.id}/boletim.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    login_as(Profile.ANALYST)  # an analyst reads the worksheet but does not decide
    assert client.get(f"/lims/planilhas/{sheet.id}").status_code == 200
    assert client.post(f"/lims/planilhas/{sheet.id}/decisao", data={
        "decisao": "aceitar", "justificativa": "sem permissão para decidir"}).status_code == 403


def test_qc_holds_are_decided_on_the_worksheet_not_on_the_holds_page(db, client, login_as, make_user, lab):
    """A failed QC holds the whole worksheet: deciding one of its results from /lims/retencoes
    would reanalyse that result alone and leave the worksheet held, so that page refuses it and
    sends the Supervisor to the worksheet."""
    from lims.services import hold_decisions

    analyst = _analyst(make_user, lab)
    sheet = ws_svc.create(lab["method"].id, user_id=analyst.id, template_id=lab["tpl"].id,
                          sample_ids=[r.id for r in lab["refs"]], instrument_id=lab["inst"].id)
    ws_svc.enter_readings(sheet.id, _readings(sheet, reference="1,25"), user_id=analyst.id)
    db.commit()
    held = [h for hs in holds.undecided([s.result_id for s in ws_svc.slots(sheet.id) if s.result_id]).values()
            for h in hs]
    sup = login_as(Profile.SUPERVISOR)
    with pytest.raises(Conflict) as refused:
        hold_decisions.decide([held[0].id], HoldDecision.ACCEPT, "aceito pela página de retenções", sup.id)
    assert refused.value.code == "retencao_da_planilha"
    page = client.get("/lims/retencoes").get_data(as_text=True)
    assert f"/lims/planilhas/{sheet.id}" in page and f'value="{held[0].id}"' not in page
