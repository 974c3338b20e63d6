"""Bulk grid entry (all or nothing, per-cell errors, plausibility confirmation), the live
preview, and the Boletim de Analise with its PDF stored under data_dir.

The samples awaiting analysis come from the entry source part 1 registers; here the test
registers its own source with fixed references (the database, services and pages are real)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from sqlalchemy import select

from core.auth import Profile
from lims.models.results import AnalysisReport, Result
from lims.services import results as rs
from tests.lims.test_results import CL, sample


@pytest.fixture()
def source():
    refs = [sample(day=d, system_id=990) for d in (2, 3, 4)]
    rs.register_entry_source(lambda code, sid: [(r, [CL]) for r in refs
                                                if sid in (None, r.id)])
    yield refs
    rs.register_entry_source(None)


def test_grid_all_or_nothing_and_confirmation(client, db, login_as, source):
    login_as(Profile.ANALYST)
    a, b, c = source
    page = client.get("/lims/resultados/grade?parametro=cloro_residual_livre")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and a.code in html and "resultado-grade.js" in html
    prev = client.post("/lims/resultados/previa", json={"amostra": a.id, "parametro":
                                                         "cloro_residual_livre", "valor": "0,1"})
    assert prev.json["verdict"] == "nao_conforme" and prev.json["plausivel"] is True
    assert client.post("/lims/resultados/previa", json={"amostra": a.id, "parametro":
                       "cloro_residual_livre", "valor": "xx"}).status_code == 422
    # one bad cell and one implausible unconfirmed: nothing is written
    r = client.post("/lims/resultados/grade", data={"parametro": "cloro_residual_livre",
                    f"valor_{a.id}": "1,2", f"valor_{b.id}": "abc", f"valor_{c.id}": "50"})
    assert r.status_code == 200 and "nada foi gravado" in r.get_data(as_text=True)
    assert db.scalars(select(Result).where(Result.system_id == 990)).first() is None
    r = client.post("/lims/resultados/grade", data={
        "parametro": "cloro_residual_livre", f"valor_{a.id}": "1,2", f"valor_{b.id}": "< LD",
        f"valor_{c.id}": "50", "confirmado": [str(c.id)], "instrumento": "Colorímetro DR300"})
    assert r.status_code == 302
    got = {x.sample_id: x for x in db.scalars(select(Result).where(Result.system_id == 990))}
    assert got[a.id].verdict == "conforme" and got[b.id].verdict == "nao_conforme"
    assert got[c.id].outside_plausible_confirmed and got[c.id].instrument == "Colorímetro DR300"
    # entered samples leave the grid
    assert a.code not in client.get("/lims/resultados/grade?parametro=cloro_residual_livre"
                                    ).get_data(as_text=True)


def test_boletim_with_pdf(client, db, login_as, settings):
    login_as(Profile.ANALYST)
    pdf = b"%PDF-1.4\n% boletim de teste\n"
    r = client.post("/lims/boletins", data={"laboratorio": "Lab Externo", "numero": "B-77",
                    "data": "2026-10-03", "arquivo": (BytesIO(pdf), "b77.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    rep = db.scalars(select(AnalysisReport).where(AnalysisReport.report_number == "B-77")).one()
    assert (settings.data_dir / rep.file_path).read_bytes() == pdf
    r = client.post("/lims/boletins", data={"laboratorio": "Lab Externo", "numero": "B-77",
                    "data": "2026-10-03"}, content_type="multipart/form-data")
    assert r.status_code == 302  # duplicate refused with a message
    assert len(db.scalars(select(AnalysisReport)).all()) == 1
    r = client.post("/lims/boletins", data={"laboratorio": "L", "numero": "B-78", "data": "2026-10-03",
                    "arquivo": (BytesIO(b"not a pdf"), "x.pdf")}, content_type="multipart/form-data")
    assert db.scalars(select(AnalysisReport).where(AnalysisReport.report_number == "B-78")).first() is None
    s = sample(system_id=991)
    res = rs.enter_result(s, CL, "0,8", analysed_at=s.collected_at + dt.timedelta(hours=1),
                          report_id=rep.id)
    assert res.report_id == rep.id


def test_sample_state_hook_follows_results(db, make_user, source, monkeypatch):
    """The sample moves to AGUARDANDO VALIDACAO when its last result is in, VALIDADA when all
    are validated, PUBLICADA when published (through part 1's hook)."""
    from lims.services import samples, validation

    calls = []
    for name in ("results_entered", "results_validated", "results_published"):
        monkeypatch.setattr(samples, name, lambda sid, name=name: calls.append((sid, name)))
    # publication moves its samples in bulk (one call for all of them)
    monkeypatch.setattr(samples, "results_published_many", lambda sids: calls.extend(
        (sid, "results_published") for sid in sorted(sids)))
    a = source[0]
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    r = rs.enter_result(a, CL, "1,0", analysed_at=a.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    validation.validate([r.id], sup.id)
    validation.publish_results(supervisor_id=sup.id, result_ids=[r.id])
    assert calls == [(a.id, "results_entered"), (a.id, "results_validated"),
                     (a.id, "results_published")]
