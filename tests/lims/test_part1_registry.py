"""Registry and catalogue: the versioned data file seeds the Portaria 888 catalogue
idempotently with source tags and UNVERIFIED flags; a Gestor edits records on screen (audited,
bad input refused with pt-BR messages), confirms unverified values; lims.api systems/points;
the samples pages and JSON API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import ValidationError
from lims import api
from lims.models.catalogue import Parameter, ParameterLimit, SamplingMinimum
from lims.seed import catalogue_data, seed_reference
from lims.services import registry, samples
from tests.lims.part1_rows import small_system


def test_seed_reference_is_idempotent_and_tagged(db):
    seed_reference()
    n_p = db.scalar(select(func.count()).select_from(Parameter))
    n_m = db.scalar(select(func.count()).select_from(SamplingMinimum))
    seed_reference()
    assert db.scalar(select(func.count()).select_from(Parameter)) == n_p >= 120
    assert db.scalar(select(func.count()).select_from(SamplingMinimum)) == n_m >= 60
    by = {p.code: p for p in db.scalars(select(Parameter))}
    assert all(p.source and p.version == "p888-v1" for p in by.values())
    assert by["escherichia_coli"].presence_absence and by["escherichia_coli"].group == "microbiologico"
    # the general limit keeps the VMP; the minimum is per disinfectant, throughout distribution
    assert (by["cloro_residual_livre"].vmp_min, by["cloro_residual_livre"].vmp_max) == (None, Decimal("5"))
    n_l = db.scalar(select(func.count()).select_from(ParameterLimit))
    mins = {(x.parameter_code, x.minimum, tuple(x.disinfectants)) for x in db.scalars(
        select(ParameterLimit).where(ParameterLimit.kind == "minimo"))}
    assert mins == {("cloro_residual_livre", Decimal("0.2"), ("cloro_livre",)),
                    ("cloro_residual_combinado", Decimal("2"), ("cloramina",)),
                    ("dioxido_de_cloro", Decimal("0.2"), ("dioxido_de_cloro",))}
    assert by["ph"].limit_kind == "faixa_recomendada"
    assert by["selenio"].vmp_max == Decimal("0.04") and not by["selenio"].unverified  # 888 changed it
    assert by["microcistinas"].unverified and by["ph"].unverified and by["clorito"].unverified
    assert {p.group for p in by.values()} >= {"microbiologico", "organoleptico", "inorganico", "organico",
                                              "agrotoxico", "psd", "radioativo", "cianotoxina", "operacional"}
    assert by["coliformes_totais"].bottle_type_id is not None  # preparation form knows the bottle
    # a Gestor's correction survives a re-seed
    gestor_fix = by["ph"]
    gestor_fix.vmp_max = Decimal("9.5")
    db.flush()
    seed_reference()
    assert db.get(Parameter, gestor_fix.id).vmp_max == Decimal("9.5")
    assert db.scalar(select(func.count()).select_from(ParameterLimit)) == n_l >= 8
    bands = db.scalars(select(SamplingMinimum).where(SamplingMinimum.parameter_code == "coliformes_totais",
                                                     SamplingMinimum.where == "rede")
                       .order_by(SamplingMinimum.pop_min)).all()
    assert len(bands) == 11 and all(b.unverified for b in bands)
    assert all(a.pop_max + 1 == b.pop_min for a, b in zip(bands, bands[1:], strict=False))  # no gaps


def test_catalogue_agrees_with_the_compliance_rules_file():
    rules = json.loads((Path(__file__).parents[2] / "lims/data/compliance_rules.json").read_text())
    cat = {p["code"]: p for p in catalogue_data()["parameters"]}
    # the rules file keeps only monthly rules: no limit may be repeated there (one source)
    limit_keys = {"max", "min", "vmp", "absence", "unit", "name"}

    def walk(node):  # every key anywhere in the file
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    assert not limit_keys & set(walk({k: v for k, v in rules.items() if k != "sums"}))
    for code, _r in rules["parameters"].items():
        assert code in cat, code
    for s in rules["sums"]:
        assert all(t in cat and cat[t].get("max") for t in s["terms"]), s["code"]
    for code in rules["disinfectant_residual"].values():
        assert code in cat or code.startswith("Art."), code


def test_gestor_edits_are_audited_and_bad_input_refused(db, make_user):
    gestor = make_user(Profile.MANAGER)
    w = small_system(user_id=gestor.id)
    sysid = w["system"].id
    with pytest.raises(ValidationError) as e:
        registry.save("sistemas", {"code": w["system"].code, "name": "Outro", "kind": "SAA",
                                   "population_served": "-5", "source_type": "lago",
                                   "treatment_type": "so_desinfeccao"}, user_id=gestor.id)
    assert {"code", "source_type"} <= set(e.value.fields)
    registry.save("sistemas", {"population_served": "12.500".replace(".", "")}, record_id=sysid,
                  user_id=gestor.id, reason="censo 2026")
    log = db.scalars(select(AuditLog).where(AuditLog.model == "lims_supply_system",
                                            AuditLog.row_id == str(sysid)).order_by(AuditLog.id.desc())).first()
    assert log.changes["population_served"] == [12000, 12500] and log.reason == "censo 2026"
    assert log.user_id == gestor.id
    with pytest.raises(ValidationError) as e:
        registry.save("parametros", {"code": "Meu Param", "name": "X", "group": "organico",
                                     "applies": "todos", "source": "CONAMA 357",
                                     "vmp_min": "5", "vmp_max": "1", "ld": "abc"}, user_id=gestor.id)
    assert {"code", "vmp_min", "ld"} <= set(e.value.fields)
    p = registry.save("parametros", {"code": "oleos_graxas", "name": "Oleos e graxas",
                                     "group": "organico", "applies": "todos", "source": "CONAMA 357",
                                     "vmp_max": "0,5"}, user_id=gestor.id)
    assert p.vmp_max == Decimal("0.5") and p.active and p.custom and p.version == "manual"
    # neighbours: refused across systems, audited when saved
    other = small_system()
    with pytest.raises(ValidationError):
        registry.set_neighbours(w["points"]["R1"].id, upstream=[other["points"]["R1"].id],
                                downstream=[], user_id=gestor.id)
    assert registry.point_neighbours(w["points"]["R2"].id) == ([w["points"]["R1"].id], [w["points"]["R3"].id])
    registry.save("pontos", {"active": False}, record_id=w["points"]["R3"].id, user_id=gestor.id,
                  reason="ponto desativado")
    assert registry.point_neighbours(w["points"]["R2"].id) == ([w["points"]["R1"].id], [])
    # lims.api: only active records, as frozen dataclasses
    info = next(s for s in api.systems() if s.id == sysid)
    assert info.population_served == 12500 and info.neighbourhoods == ("Centro", "Jardim")
    codes = {p.code for p in api.points(sysid)}
    assert w["points"]["R3"].code not in codes and w["points"]["R1"].code in codes


def test_registry_pages_badge_and_confirmation(client, db, login_as):
    gestor = login_as(Profile.MANAGER)
    small_system(user_id=gestor.id)
    page = client.get("/lims/cadastros/parametros?q=microcist").get_data(as_text=True)
    assert "Microcistinas" in page and "não verificado" in page
    pid = db.scalar(select(Parameter.id).where(Parameter.code == "microcistinas"))
    form = client.get(f"/lims/cadastros/parametros/{pid}").get_data(as_text=True)
    assert "Confirmar VMP" in form and "Anexo 10 UNVERIFIED" in form
    r = client.post(f"/lims/cadastros/parametros/{pid}/confirmar", data={"motivo": "DOU 07/05/2021, Anexo 10"})
    assert r.status_code in (302, 303) and not db.get(Parameter, pid).unverified
    bad = client.post("/lims/cadastros/sistemas/novo", data={"code": "", "name": "X", "kind": "SAA",
                                                            "population_served": "abc",
                                                            "source_type": "superficial",
                                                            "treatment_type": "membrana"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Campo obrigatório." in html and "Informe um número inteiro." in html
    ok = client.post("/lims/cadastros/licencas/novo", data={
        "kind": "outorga", "number": "DAEE 1/2026", "issuer": "DAEE", "expires_on": "2026-12-20",
        "active": "on", "motivo": "nova outorga"})
    assert ok.status_code in (302, 303)
    home = client.get("/lims/cadastros").get_data(as_text=True)
    assert "DAEE 1/2026" in home and "vencendo" in home


def test_registry_needs_edit_permission(client, db, login_as):
    login_as(Profile.ANALYST)
    assert client.get("/lims/cadastros/pontos").status_code == 200
    assert client.get("/lims/cadastros/pontos/novo").status_code == 403
    assert client.post("/lims/cadastros/sistemas/novo", data={"code": "X"}).status_code == 403


def test_samples_pages_and_api(client, db, make_user, login_as, api_token):
    sup = login_as(Profile.SUPERVISOR)
    w = small_system()
    day = dt.date(2026, 11, 10)
    s = samples.create_sample(w["points"]["R1"].id, day, [w["params"]["turbidez"].id], user_id=sup.id)
    lst = client.get("/lims/amostras", query_string={"estado": "PROGRAMADA"}).get_data(as_text=True)
    assert s.code in lst
    r = client.post(f"/lims/amostras/{s.id}/reprogramar", data={"data": "2026-11-12", "motivo": "chuva forte"})
    assert r.status_code in (302, 303)
    detail = client.get(f"/lims/amostras/{s.id}").get_data(as_text=True)
    assert "reprogramada de 10/11/2026 para 12/11/2026: chuva forte" in detail and "Turbidez" in detail
    bad = client.post(f"/lims/amostras/{s.id}/cancelar", data={"motivo": ""})
    assert bad.status_code in (302, 303, 422) and samples.get(s.id).state == "PROGRAMADA"
    _u, token = api_token(Profile.SUPERVISOR)
    h = {"Authorization": f"Bearer {token}"}
    j = client.get("/api/v1/lims/amostras", query_string={"sistema": w["system"].id}, headers=h).get_json()
    assert j["total"] == 1 and j["amostras"][0]["codigo"] == s.code
    one = client.get(f"/api/v1/lims/amostras/{s.id}", headers=h).get_json()
    assert one["transicoes_possiveis"] == ["AGUARDANDO COLETA", "CANCELADA"] and one["historico"]
    assert client.get(f"/api/v1/lims/amostras/codigo/{s.code}", headers=h).get_json()["id"] == s.id
    t = client.post(f"/api/v1/lims/amostras/{s.id}/transicoes", json={"estado": "AGUARDANDO COLETA"}, headers=h)
    assert t.status_code == 200 and t.get_json()["estado"] == "AGUARDANDO COLETA"
    again = client.post(f"/api/v1/lims/amostras/{s.id}/transicoes", json={"estado": "AGUARDANDO COLETA"},
                        headers=h)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "transicao_invalida"
    nocause = client.post(f"/api/v1/lims/amostras/{s.id}/transicoes", json={"estado": "CANCELADA"}, headers=h)
    assert nocause.status_code == 422 and "motivo" in nocause.get_json()["error"]["fields"]
    c = client.post(f"/api/v1/lims/amostras/{s.id}/transicoes",
                    json={"estado": "CANCELADA", "motivo": "ponto em obra"}, headers=h)
    assert c.get_json()["estado"] == "CANCELADA" and c.get_json()["motivo_cancelamento"] == "ponto em obra"
    pts = client.get("/api/v1/lims/pontos", query_string={"sistema": w["system"].id}, headers=h).get_json()
    r1 = next(p for p in pts if p["id"] == w["points"]["R1"].id)
    assert r1["montante"] == [w["points"]["RES"].id] and r1["jusante"] == [w["points"]["R2"].id]
    assert any(x["id"] == w["system"].id for x in client.get("/api/v1/lims/sistemas", headers=h).get_json())
    spec = client.get("/api/v1/openapi.json").get_json() or client.get("/api/openapi.json").get_json()
    paths = set(spec["paths"])
    assert {"/api/v1/lims/amostras", "/api/v1/lims/amostras/{sample_id}/transicoes",
            "/api/v1/lims/pontos", "/api/v1/lims/planos/{plan_id}"} <= paths


def test_point_photo_upload_and_dashboard(client, db, login_as):
    import io

    gestor = login_as(Profile.MANAGER)
    w = small_system(user_id=gestor.id)
    pid = w["points"]["R1"].id
    bad = client.post(f"/lims/cadastros/pontos/{pid}/fotos",
                      data={"foto": (io.BytesIO(b"not an image"), "x.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code in (302, 303, 422) and not registry.record("pontos", pid).photos
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    png = buf.getvalue()
    ok = client.post(f"/lims/cadastros/pontos/{pid}/fotos", data={"foto": (io.BytesIO(png), "p.png")},
                     content_type="multipart/form-data")
    assert ok.status_code in (302, 303) and len(registry.record("pontos", pid).photos) == 1
    assert client.get(f"/lims/cadastros/pontos/{pid}/fotos/0").data == png
    assert client.get(f"/lims/cadastros/pontos/{pid}/fotos/5").status_code == 404
    from core import fmt

    # "today" on the dashboard is the utility's day (settings' zone), not the server's
    samples.create_sample(pid, fmt.today(), [w["params"]["turbidez"].id], user_id=gestor.id)
    from lims.views.samples import dashboard_widgets

    with client.application.test_request_context():
        cards = {c["title"]: c["value"] for c in dashboard_widgets(gestor)}
    assert cards["Coletas de hoje"] == 1


def test_sample_page_links_the_label_reprint(client, db, login_as):
    sup = login_as(Profile.SUPERVISOR)
    w = small_system()
    s = samples.create_sample(w["points"]["R1"].id, dt.date(2026, 11, 10), [w["params"]["ph"].id],
                              user_id=sup.id)
    html = client.get(f"/lims/amostras/{s.id}").get_data(as_text=True)
    assert f"/lims/etiquetas.pdf?amostra={s.id}" in html
    pdf = client.get(f"/lims/etiquetas.pdf?amostra={s.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_gestor_edits_scoped_limits_on_screen_audited(client, db, login_as):
    """Cadastros > Limites por escopo: the catalogue's scoped limits, edited without code,
    every change in the audit history, bad scopes refused (issue 13 item 1)."""
    from core.audit import AuditLog

    login_as(Profile.MANAGER)
    seed_reference()
    db.commit()
    page = client.get("/lims/cadastros/limites?q=").get_data(as_text=True)
    assert "turbidez" in page and "agua_filtrada" in page and "Cloramina" in page
    assert "&lt;= 0,5" in page and "mínimo &gt;= 0,2" in page and "Onde se aplica" in page
    lim = next(x for x in db.scalars(select(ParameterLimit).where(
        ParameterLimit.parameter_code == "turbidez")) if x.treatment_types == ["filtracao_lenta"])
    r = client.post(f"/lims/cadastros/limites/{lim.id}", data={
        "maximum": "0,8", "motivo": "conferido no DOU: lenta 0,8 uT (exemplo)"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
    db.expire_all()
    assert db.get(ParameterLimit, lim.id).maximum == Decimal("0.8")
    log = db.scalars(select(AuditLog).where(AuditLog.model == "lims_parameter_limit",
                                            AuditLog.row_id == str(lim.id))).all()
    assert log and "maximum" in str(log[-1].changes)
    bad = client.post("/lims/cadastros/limites/novo", data={
        "parameter_code": "turbidez", "kind": "vmp", "maximum": "0,3",
        "point_kinds": "agua_filtrada, filtro_x", "source": "teste"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "filtro_x" in html
