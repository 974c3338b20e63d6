"""Reception by code (scanner, typed, photo) and distribution; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.db import session, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.domain.samples import SampleState
from lims.models.registry import Laboratory
from render import labels


@pytest.fixture()
def collected(db, make_user):
    """A route of 8 samples, all collected except the last two."""
    from lims.services import routes
    from lims.services import samples as sample_svc
    from tests.lims.routes_world import make_world

    world = make_world(dt.date(2026, 11, 20))
    collector = make_user(Profile.COLLECTOR)
    r = routes.build_route(world.day, collector.id, user_id=None)
    for st in r.stops[:6]:
        sample_svc.transition(st.sample_id, SampleState.COLLECTED, user_id=collector.id,
                              collected_at=utcnow() - dt.timedelta(hours=3),
                              collected_by_id=collector.id)
    return [st.sample for st in r.stops]


def test_receive_moves_to_awaiting_analysis_and_shows_point_and_parameters(collected, make_user):
    from lims.services import reception

    me = make_user(Profile.DISTRIBUTOR, name="Rita Recepção")
    s = collected[0]
    r = reception.receive(f"  {s.code.lower()}\r\n", user_id=me.id, arrival_temperature="4,5")
    assert r.code == s.code and r.state == SampleState.AWAITING_ANALYSIS
    assert r.point_name and r.parameters == ("Cloro residual livre", "Turbidez",
                                             "Coliformes totais", "Escherichia coli")
    assert "recebida" in r.message and "4,5 °C" in r.message
    assert s.state == SampleState.AWAITING_ANALYSIS and s.received_by_id == me.id
    assert s.arrival_temperature == Decimal("4.5") and s.received_at is not None
    log = session.scalars(select(AuditLog).where(AuditLog.model == "lims_sample",
                                                 AuditLog.row_id == str(s.id))
                          .order_by(AuditLog.id.desc())).first()
    assert "recebida no laboratório" in log.reason and log.user_id == me.id
    assert reception.clean_code("]C0" + s.code) == s.code


def test_refusals_are_clear_and_change_nothing(collected, make_user):
    from lims.services import reception

    me = make_user(Profile.ANALYST, name="Ana")
    reception.receive(collected[0].code, user_id=me.id)
    first_at = collected[0].received_at
    with pytest.raises(Conflict, match="já foi recebida em .* por Ana. Nada foi alterado"):
        reception.receive(collected[0].code, user_id=me.id, arrival_temperature="9")
    assert collected[0].received_at == first_at and collected[0].arrival_temperature is None
    with pytest.raises(NotFound, match="Código X999 não encontrado"):
        reception.receive("x999", user_id=me.id)
    waiting = collected[7]
    with pytest.raises(Conflict, match="ainda não foi registrada como coletada .*Aguardando coleta"):
        reception.receive(waiting.code, user_id=me.id)
    assert waiting.state == SampleState.AWAITING_COLLECTION and waiting.received_at is None
    from lims.services import samples as sample_svc

    sample_svc.cancel_sample(collected[1].id, reason="frasco quebrado", user_id=me.id)
    with pytest.raises(Conflict, match="cancelada \\(frasco quebrado\\)"):
        reception.receive(collected[1].code, user_id=me.id)
    with pytest.raises(ValidationError, match="fora da faixa"):
        reception.receive(collected[2].code, user_id=me.id, arrival_temperature="80")
    with pytest.raises(ValidationError):
        reception.receive("   ", user_id=me.id)
    assert collected[2].state == SampleState.COLLECTED


def test_receive_from_a_photo_of_two_labels(collected, make_user):
    from lims.services import reception

    me = make_user(Profile.DISTRIBUTOR)
    a, b = collected[2], collected[3]
    photo = Image.new("RGB", (1400, 700), (200, 200, 190))
    for i, s in enumerate((a, b)):
        png = labels.render_label_png(labels.LabelSpec(s.code, ("P",), ()), dpi=250)
        photo.paste(Image.open(io.BytesIO(png)).convert("RGB").rotate(8 * (i + 1), expand=True,
                                                                      fillcolor="white"),
                    (60 + 660 * i, 120))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=80)
    out = reception.receive_photo(buf.getvalue(), user_id=me.id, arrival_temperature="5")
    assert sorted(o.code for o in out if o.ok) == sorted([a.code, b.code])
    assert a.state == b.state == SampleState.AWAITING_ANALYSIS
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, "PNG")
    with pytest.raises(ValidationError, match="Nenhum código de barras"):
        reception.receive_photo(blank.getvalue(), user_id=me.id)


def test_receive_from_a_photo_of_a_datamatrix_label(collected, make_user):
    """A DataMatrix label (tender 7.12), photographed askew on a grey bench, like Code128."""
    from lims.services import reception

    me = make_user(Profile.DISTRIBUTOR)
    s = collected[2]
    png = labels.render_label_png(labels.LabelSpec(s.code, ("P",), ("Frasco 1/1",)), dpi=250,
                                  symbology="datamatrix")
    photo = Image.new("RGB", (1200, 800), (170, 170, 160))
    photo.paste(Image.open(io.BytesIO(png)).convert("RGB").rotate(20, expand=True,
                                                                 fillcolor="white"), (250, 150))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=80)
    out = reception.receive_photo(buf.getvalue(), user_id=me.id, arrival_temperature="5")
    assert [(o.code, o.ok) for o in out] == [(s.code, True)]
    assert s.state == SampleState.AWAITING_ANALYSIS


def test_distribution_bulk_audited_all_or_nothing(collected, make_user):
    from lims.services import reception

    me = make_user(Profile.DISTRIBUTOR)
    analyst = make_user(Profile.ANALYST, name="Ana Analista")
    lab = Laboratory(name="Lab Contratado Teste", own=False)
    session.add(lab)
    session.commit()
    for s in collected[:4]:
        reception.receive(s.code, user_id=me.id)
    assert {s.id for s in reception.awaiting_distribution(unassigned_only=True)} >= {
        s.id for s in collected[:4]}
    with pytest.raises(Conflict, match="Nada foi alterado"):
        reception.distribute([collected[0].id, collected[5].id], user_id=me.id,
                             analyst_id=analyst.id)
    assert collected[0].assigned_analyst_id is None
    with pytest.raises(ValidationError):
        reception.distribute([collected[0].id], user_id=me.id)
    with pytest.raises(ValidationError):
        reception.distribute([collected[0].id], user_id=me.id, analyst_id=me.id)  # not an analyst
    done = reception.distribute([s.id for s in collected[:3]], user_id=me.id,
                                analyst_id=analyst.id, reason="rotina")
    assert [s.assigned_analyst_id for s in done] == [analyst.id] * 3
    reception.distribute([collected[2].id, collected[3].id], user_id=me.id, lab_id=lab.id)
    assert collected[2].assigned_lab_id == lab.id and collected[2].assigned_analyst_id is None
    log = session.scalars(select(AuditLog).where(AuditLog.model == "lims_sample",
                                                 AuditLog.row_id == str(collected[2].id))
                          .order_by(AuditLog.id.desc())).first()
    assert "laboratório contratado Lab Contratado Teste" in log.reason
    assert log.changes["assigned_lab_id"] == [None, lab.id]


def test_reception_api_and_pages(collected, client, login_as, make_user):
    me = login_as(Profile.DISTRIBUTOR)
    s = collected[0]
    ok = client.post("/api/v1/lims/recepcao", json={"code": s.code, "temperature": "3,8"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    body = ok.get_json()
    assert body["state"] == "AGUARDANDO ANALISE" and body["arrival_temperature"] == "3.8"
    assert "Coliformes totais" in body["parameters"]
    again = client.post("/api/v1/lims/recepcao", json={"codigo": s.code})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "ja_recebida"
    unknown = client.post("/api/v1/lims/recepcao", json={"code": "NAOEXISTE1"})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "codigo_desconhecido"
    missing = client.post("/api/v1/lims/recepcao", json={"temperature": "4"})
    assert missing.status_code == 422 and "code" in missing.get_data(as_text=True)
    wrong = client.post("/api/v1/lims/recepcao", json={"codigo": collected[7].code})
    assert wrong.status_code == 409 and "ainda não foi registrada" in wrong.get_json()["error"]["message"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/lims/recepcao" in spec["paths"] and "/api/v1/lims/distribuicao" in spec["paths"]
    # the page, without JavaScript: post, redirect, the result and the list
    page = client.get("/lims/recepcao").get_data(as_text=True)
    assert 'name="codigo"' in page and "autofocus" in page and s.code in page
    resp = client.post("/lims/recepcao", data={"codigo": collected[1].code, "temperatura": "4"},
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert f"Amostra {collected[1].code} recebida" in html and 'value="4"' in html
    html = client.post("/lims/recepcao", data={"codigo": collected[1].code},
                       follow_redirects=True).get_data(as_text=True)
    assert "já foi recebida" in html
    analyst = make_user(Profile.ANALYST)
    dist = client.get("/lims/distribuicao").get_data(as_text=True)
    assert s.code in dist and "sem destino" in dist
    resp = client.post("/lims/distribuicao", data={"amostra": [s.id, collected[1].id],
                                                   "destino": f"a:{analyst.id}"})
    assert resp.status_code == 302 and s.assigned_analyst_id == analyst.id
    api = client.post("/api/v1/lims/distribuicao", json={"amostras": [s.id], "analista_id": None,
                                                         "laboratorio_id": None})
    assert api.status_code == 422
    assert me.can("lims.distribution.assign")


def test_a_collector_cannot_receive(collected, client, login_as):
    login_as(Profile.COLLECTOR)
    assert client.post("/api/v1/lims/recepcao", json={"codigo": collected[0].code}).status_code == 403
    assert client.get("/lims/recepcao").status_code == 403
    assert collected[0].state == SampleState.COLLECTED


def test_photo_upload_on_the_page(collected, client, login_as):
    login_as(Profile.ANALYST)
    s = collected[4]
    png = labels.render_label_png(labels.LabelSpec(s.code, ("P",), ()))
    resp = client.post("/lims/recepcao/foto", data={"temperatura": "5,0",
                                                     "foto": (io.BytesIO(png), "etiqueta.png")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert f"Amostra {s.code} recebida" in resp.get_data(as_text=True)
    assert s.state == SampleState.AWAITING_ANALYSIS and s.arrival_temperature == Decimal("5.0")
    bad = client.post("/lims/recepcao/foto", data={"foto": (io.BytesIO(b"x"), "a.png")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "uma imagem" in bad.get_data(as_text=True)


def test_reception_and_distribution_pages_read_points_once_not_per_row(client, collected, db,
                                                                       login_as):
    """Issue 17: the lists of received samples read their points, routes and receivers in one
    query each (was one point query a row)."""
    from lims.models.registry import CollectionPoint
    from lims.services import reception
    from tests.test_statement_budget import counting

    me = login_as(Profile.DISTRIBUTOR, Profile.SUPERVISOR)
    for s in collected[:6]:
        reception.receive(s.code, user_id=me.id, arrival_temperature="4,5")
    db.commit()
    counts = {}
    for url in ("/lims/recepcao", "/lims/distribuicao"):
        assert client.get(url).status_code == 200
        with counting() as seen:
            html = client.get(url).get_data(as_text=True)
        counts[url] = len(seen)
        assert all(s.code in html for s in collected[:6]), url
        assert db.get(CollectionPoint, collected[0].point_id).name in html, url
    assert counts["/lims/recepcao"] <= 8 and counts["/lims/distribuicao"] <= 9, counts
