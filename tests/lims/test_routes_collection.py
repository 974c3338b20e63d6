"""The collector's entries: idempotent on the phone's key (service and API), field readings,
GPS, photo, not collected -> pending; the phone page renders for the collector only."""

from __future__ import annotations

import base64
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.auth import Profile
from core.db import session
from lims.domain.samples import SampleState
from lims.models.routes import FieldEntry
from lims.services import field_entries

# the collector's local day (the route day); 00:15 UTC of it is always in the past
TODAY = dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date()
AT = dt.datetime.combine(TODAY, dt.time(0, 15), dt.UTC)
WHEN = AT.isoformat()


@pytest.fixture()
def route(db, make_user):
    from lims.services import routes
    from tests.lims.routes_world import make_world

    world = make_world(TODAY)
    collector = make_user(Profile.COLLECTOR, name="João Coletor")
    r = routes.build_route(world.day, collector.id, user_id=None)
    return r, collector, world


def entry(r, i=0, **kw):
    st = r.stops[i]
    data = {"key": f"k-{r.id}-{st.sample_id}-{i}-abcdef", "sample_id": st.sample_id,
            "kind": "coletada", "collected_at": WHEN,
            "readings": {"cloro_residual_livre": "1,20", "turbidez": "0.4", "ph": "7,1",
                         "temperatura": "22"},
            "latitude": -22.9001, "longitude": -47.0601}
    data.update(kw)
    return data


def count_entries(key):
    return session.scalar(select(func.count()).select_from(FieldEntry)
                          .where(FieldEntry.idempotency_key == key))


def test_replay_returns_the_first_answer_and_changes_nothing(route, tmp_path):

    r, collector, _ = route
    data = entry(r)
    first = field_entries.record_entry(data, user_id=collector.id, data_dir=tmp_path)
    assert first.status == 200 and not first.replay
    s = r.stops[0].sample
    assert s.state == SampleState.COLLECTED
    assert s.collected_at == AT
    assert s.collected_by_id == collector.id
    assert s.field_readings == {"cloro_residual_livre": "1,2", "turbidez": "0,4", "ph": "7,1",
                                "temperatura": "22"}
    assert (s.latitude, s.longitude) == (-22.9001, -47.0601)
    assert r.stops[0].outcome == "coletada" and r.state == "em_campo"
    updated = s.updated_at
    for _ in range(3):
        again = field_entries.record_entry(dict(data), user_id=collector.id, data_dir=tmp_path)
        assert again.replay and again.status == 200 and again.body == first.body
    assert count_entries(data["key"]) == 1
    assert s.updated_at == updated
    assert field_entries.entry_counts(r.id) == {"accepted": 1, "refused": 0, "replays": 3}
    # the same key with other content is refused, not applied
    other = field_entries.record_entry(entry(r, readings={"ph": "9"}), user_id=collector.id,
                                data_dir=tmp_path)
    assert other.status == 409 and other.body["error"]["code"] == "chave_reutilizada"
    # a second, different entry for an already collected sample: refused, stored, replayable
    late = field_entries.record_entry(entry(r, key="another-key-123"), user_id=collector.id,
                               data_dir=tmp_path)
    assert late.status == 409 and "Coletada" in late.body["error"]["message"]
    assert field_entries.record_entry(entry(r, key="another-key-123"), user_id=collector.id,
                               data_dir=tmp_path).body == late.body
    assert s.field_readings["ph"] == "7,1"


def test_refusals_change_nothing(route, tmp_path, make_user):

    r, collector, _ = route
    bad = field_entries.record_entry(entry(r, readings={"ph": "15"}), user_id=collector.id,
                              data_dir=tmp_path)
    assert bad.status == 422 and "pH fora da faixa" in bad.body["error"]["message"]
    assert r.stops[0].sample.state == SampleState.AWAITING_COLLECTION
    assert field_entries.record_entry(entry(r, key="short"), user_id=collector.id,
                               data_dir=tmp_path).status == 422
    intruder = make_user(Profile.COLLECTOR)
    other = field_entries.record_entry(entry(r, key="intruder-key-1"), user_id=intruder.id,
                                data_dir=tmp_path)
    assert other.status == 403 and r.stops[0].sample.state == SampleState.AWAITING_COLLECTION
    future = field_entries.record_entry(entry(r, key="future-key-1", collected_at="2099-01-01T00:00:00Z"),
                                 user_id=collector.id, data_dir=tmp_path)
    assert future.status == 422
    # a fixed entry (new key) goes through
    ok = field_entries.record_entry(entry(r, key="fixed-key-123"), user_id=collector.id, data_dir=tmp_path)
    assert ok.status == 200


def test_not_collected_goes_back_pending_and_photo_is_kept(route, tmp_path):

    r, collector, _ = route
    res = field_entries.record_entry({"key": "nao-coletada-1", "sample_id": r.stops[1].sample_id,
                               "kind": "nao_coletada", "reason": "Local fechado - portao trancado"},
                              user_id=collector.id, data_dir=tmp_path)
    assert res.status == 200, res.body
    s = r.stops[1].sample
    assert s.state == SampleState.SCHEDULED and s.route_id is None
    assert s.not_collected_reason == "Local fechado - portao trancado"
    assert r.stops[1].outcome == "nao_coletada"
    assert field_entries.record_entry({"key": "nao-coletada-2", "sample_id": r.stops[2].sample_id,
                                "kind": "nao_coletada", "reason": "x"},
                               user_id=collector.id, data_dir=tmp_path).status == 422
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "JPEG")
    photo = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    res = field_entries.record_entry(entry(r, 0, key="with-photo-1", photo=photo),
                              user_id=collector.id, data_dir=tmp_path)
    assert res.status == 200
    s0 = r.stops[0].sample
    assert s0.photo_path.startswith("lims/coletas/") and (tmp_path / s0.photo_path).read_bytes() == buf.getvalue()
    bad = field_entries.record_entry(entry(r, 2, key="bad-photo-1", photo="data:image/gif;base64,AAAA"),
                              user_id=collector.id, data_dir=tmp_path)
    assert bad.status == 422 and not list((tmp_path / "lims" / "coletas").glob("*bad-photo*"))


def test_sync_api_idempotent_replay(route, client):
    r, collector, _ = route
    client.post("/entrar", data={"username": collector.username, "password": "Senha#Forte2026"})
    batch = {"entries": [entry(r, 0), entry(r, 1, key="second-entry-1")]}
    first = client.post("/api/v1/lims/coleta/registros", json=batch)
    assert first.status_code == 200, first.get_data(as_text=True)
    results = first.get_json()["results"]
    assert [x["status"] for x in results] == [200, 200] and not any(x["replay"] for x in results)
    # the phone lost the answer and sends everything again: nothing new
    again = client.post("/api/v1/lims/coleta/registros", json=batch).get_json()["results"]
    assert [x["replay"] for x in again] == [True, True]
    assert [x["body"] for x in again] == [x["body"] for x in results]
    assert count_entries(batch["entries"][0]["key"]) == 1
    bad = client.post("/api/v1/lims/coleta/registros", json={"entries": [{"kind": "x"}]})
    assert bad.status_code == 200  # answered per entry: one bad entry never blocks the queue
    [res] = bad.get_json()["results"]
    assert res["status"] == 422 and res["body"]["error"]["code"] == "dados_invalidos"
    assert client.post("/api/v1/lims/coleta/registros", json={"x": 1}).status_code == 422
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/lims/coleta/registros" in spec["paths"]
    detail = client.get(f"/api/v1/lims/rotas/{r.id}").get_json()
    assert [st["code"] for st in detail["stops"]] == [st.sample.code for st in r.stops]


def test_pages(route, client, login_as):
    r, collector, _ = route
    boss = login_as(Profile.SUPERVISOR)
    page = client.get(f"/lims/rotas?data={r.day.isoformat()}")
    assert page.status_code == 200 and r.code in page.get_data(as_text=True)
    detail = client.get(f"/lims/rotas/{r.id}")
    assert detail.status_code == 200 and "Folha de rota" in detail.get_data(as_text=True)
    for url in (f"/lims/rotas/{r.id}/folha.pdf", f"/lims/rotas/{r.id}/etiquetas.pdf",
                f"/lims/rotas/{r.id}/etiquetas.pdf?formato=termica&por_frasco=1"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.data.startswith(b"%PDF"), url
    assert b"^BC" in client.get(f"/lims/rotas/{r.id}/etiquetas.zpl").data
    assert boss.can("lims.routes.manage")
    client.post("/sair")
    client.post("/entrar", data={"username": collector.username, "password": "Senha#Forte2026"})
    assert client.get(f"/lims/rotas/{r.id}").status_code == 403
    mine = client.get("/lims/campo").get_data(as_text=True)
    assert r.code in mine
    phone = client.get(f"/lims/campo/rota/{r.id}").get_data(as_text=True)
    assert "Registrar coleta" in phone and "campo.js" in phone
    assert client.get("/lims/static/campo.js").status_code == 200
    assert client.get("/lims/campo/sw.js").status_code == 200
    # without JavaScript: the plain form, twice with the same server-made key
    form = {"key": "nojs-key-123456", "sample_id": r.stops[0].sample_id, "kind": "coletada",
            "hora": "00:01", "cloro_residual_livre": "0,9", "ph": "7"}
    for _ in range(2):
        assert client.post(f"/lims/campo/rota/{r.id}/registro", data=form).status_code == 302
    assert count_entries("nojs-key-123456") == 1
    assert r.stops[0].sample.field_readings == {"cloro_residual_livre": "0,9", "ph": "7"}


def test_a_racing_duplicate_hits_the_unique_key_and_gets_the_first_answer(route, tmp_path,
                                                                          monkeypatch):
    """Two requests with one key at once: both miss the lookup, the second then loses on the
    sample's row lock / state and on the unique key, and still answers with the first result."""

    r, collector, _ = route
    data = entry(r)
    first = field_entries.record_entry(data, user_id=collector.id, data_dir=tmp_path)
    real = field_entries._replay
    calls = []

    def late_lookup(key, digest):  # type: ignore[no-untyped-def]
        calls.append(key)
        return None if len(calls) == 1 else real(key, digest)

    monkeypatch.setattr(field_entries, "_replay", late_lookup)
    again = field_entries.record_entry(dict(data), user_id=collector.id, data_dir=tmp_path)
    assert len(calls) == 2 and again.replay and again.status == 200 and again.body == first.body
    assert count_entries(data["key"]) == 1
