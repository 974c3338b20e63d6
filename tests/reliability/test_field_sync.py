"""Item 5: field sync. A malformed item (lat "abc", NaN, Infinity) gave 500 (technicians'
sync) or refused the whole queue (collectors' sync), blocking every later item of the phone
forever; on SQLite a failed item was committed anyway (SAVEPOINT without BEGIN)."""

from __future__ import annotations

import json

from core.auth import Profile
from tests.incidents.test_views import _incident
from tests.lims.test_routes_collection import entry
from tests.reliability.sqlite_world import run_sqlite


def test_technician_sync_answers_each_item(db, client, login_as):
    from incidents import demo, seed
    from incidents.services import workorders as wo_svc

    seed.seed_reference()
    demo.seed_technicians()
    db.commit()
    login_as(Profile.TECHNICIAN, username="tecnico")
    inc = _incident(db)
    wo = wo_svc.open_order("REP-REDE", incident_id=inc.id, latitude=-22.905, longitude=-47.065)
    db.commit()

    def act(key, **data):
        return {"client_key": key, "work_order_id": wo.id, "kind": "posicao",
                "at": "2026-12-02T10:00:00Z", "data": data}

    actions = [act("ok-1", lat=-22.9, lon=-47.0), act("abc", lat="abc", lon=-47.0),
               act("nan", lat=float("nan"), lon=-47.0), act("inf", lat=-22.9, lon=float("inf")),
               act("nested", lat=-22.9, lon=-47.0, leitura={"pressao": float("nan")}),
               {"client_key": "os", "work_order_id": "xyz", "kind": "posicao"}, "lixo",
               act("ok-2", lat=-22.91, lon=-47.01)]
    # Python's json writes NaN / Infinity as the bare tokens a phone's JSON.stringify would not,
    # but a hand-made client might: the server reads them, so it must refuse them itself
    resp = client.post("/api/v1/incidentes/campo/sync", data=json.dumps({"actions": actions}),
                       content_type="application/json")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    results = resp.get_json()["results"]
    assert [r["status"] for r in results] == ["aplicada", "erro", "erro", "erro", "erro", "erro",
                                               "erro", "aplicada"]
    assert "Latitude inválida: 'abc'" in results[1]["message"]
    assert all(r.get("rejeitada") for r in results[1:7])
    assert sorted(a.client_key for a in wo_svc.actions(wo.id)) == ["ok-1", "ok-2"]


def test_collector_sync_answers_each_entry(db, client, make_user):
    from lims.services import routes
    from tests.lims.routes_world import make_world
    from tests.lims.test_routes_collection import TODAY

    world = make_world(TODAY)
    collector = make_user(Profile.COLLECTOR, name="Joao Coletor")
    r = routes.build_route(world.day, collector.id, user_id=None)
    db.commit()
    client.post("/entrar", data={"username": collector.username, "password": "Senha#Forte2026"})
    entries = [entry(r, 0), entry(r, 1, key="lat-abc-0001", latitude="abc"),
               entry(r, 2, key="lat-nan-0001", latitude=float("nan")),
               entry(r, 3, key="lon-inf-0001", longitude=float("inf")),
               entry(r, 4, key="good-second-1")]
    resp = client.post("/api/v1/lims/coleta/registros", data=json.dumps({"entries": entries}),
                       content_type="application/json")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    results = resp.get_json()["results"]
    assert [x["status"] for x in results] == [200, 422, 422, 422, 200]
    assert [x["key"] for x in results][1:4] == ["lat-abc-0001", "lat-nan-0001", "lon-inf-0001"]
    assert all(x["body"]["error"]["code"] == "dados_invalidos" for x in results[1:4])


SAVEPOINT_SNIPPET = """
from sqlalchemy import func, select
from incidents.models import LocalOutbox
def item(ok):
    with unit_of_work() as s:
        with s.begin_nested():  # what the field sync does around the action row
            s.add(LocalOutbox(channel="sms", recipient="x", content="c", reference=f"r-{ok}"))
        if not ok:
            raise ValueError("bad item")
for ok in (True, False):
    try:
        item(ok)
    except ValueError:
        pass
session.remove()
refs = sorted(session.scalars(select(LocalOutbox.reference)))
print(json.dumps({"refs": refs}))
"""


def test_failed_item_not_committed_on_sqlite(tmp_path):
    out = run_sqlite(tmp_path, SAVEPOINT_SNIPPET)
    assert out["refs"] == ["r-True"], "the failed item's row was committed by RELEASE SAVEPOINT"
