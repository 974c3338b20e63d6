"""Open data: JSON and CSV, filters, pagination, ETag / 304, caching headers, OpenAPI."""

from __future__ import annotations

import csv
import io

from portal_publico.opendata import DICTIONARY

BASE = "/api/v1/dados-abertos"


def test_results_json_pagination_and_links(client, world):
    r1 = client.get(f"{BASE}/resultados?por_pagina=5")
    assert r1.status_code == 200 and r1.mimetype == "application/json"
    doc = r1.get_json()
    assert doc["versao"] == "1.0" and doc["conjunto"] == "resultados"
    assert len(doc["dados"]) == 5 and doc["paginacao"]["pagina"] == 1
    assert doc["paginacao"]["proxima"] and 'rel="next"' in r1.headers["Link"]
    assert set(doc["dados"][0]) == {f for f, _t, _d in DICTIONARY["resultados"]["campos"]}
    r2 = client.get(doc["paginacao"]["proxima"])
    doc2 = r2.get_json()
    assert doc2["paginacao"]["pagina"] == 2 and doc2["paginacao"]["anterior"]
    first_ids = {(d["amostra"], d["parametro"]) for d in doc["dados"]}
    assert not first_ids & {(d["amostra"], d["parametro"]) for d in doc2["dados"]}
    # newest first
    dates = [d["coletada_em"] for d in doc["dados"] + doc2["dados"]]
    assert dates == sorted(dates, reverse=True)


def test_results_filters(client, world):
    sede = world.systems["SAA-SEDE"]
    point = next(iter(world.points.values()))
    rows = client.get(f"{BASE}/resultados?sistema={sede}&parametro=fluoreto&por_pagina=1000"
                      ).get_json()["dados"]
    assert rows and {r["parametro"] for r in rows} == {"fluoreto"}
    assert {r["sistema_id"] for r in rows} == {sede}
    rows = client.get(f"{BASE}/resultados?ponto={point}&desde=2000-01-01&ate=2000-12-31").get_json()
    assert rows["dados"] == [] and rows["paginacao"]["proxima"] is None


def test_csv_matches_the_dictionary(client, world):
    resp = client.get(f"{BASE}/resultados?formato=csv&por_pagina=50")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == [f for f, _t, _d in DICTIONARY["resultados"]["campos"]]
    assert len(rows) == 51


def test_etag_and_cache_control(client, world):
    resp = client.get(f"{BASE}/resultados?por_pagina=10")
    etag = resp.headers["ETag"]
    assert "max-age" in resp.headers["Cache-Control"] and "public" in resp.headers["Cache-Control"]
    again = client.get(f"{BASE}/resultados?por_pagina=10", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    other = client.get(f"{BASE}/resultados?por_pagina=11", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_monthly_summaries_systems_points_and_notices(client, world, db):
    import datetime as dt

    from tests.portal_publico import incidents_data

    incidents_data.seed(db)
    db.commit()
    year = dt.date.today().year
    rows = client.get(f"{BASE}/resumos-mensais?ano={year}&por_pagina=1000").get_json()["dados"]
    assert rows and {"sistema_id", "ano", "mes", "parametro", "analisadas", "conformes",
                     "resultado"} <= set(rows[0])
    assert {r["resultado"] for r in rows} <= {"conforme", "nao_conforme", "indeterminado", "sem_dados"}
    systems = client.get(f"{BASE}/sistemas").get_json()["dados"]
    assert {s["id"] for s in systems} >= set(world.systems.values())
    pts = client.get(f"{BASE}/pontos?sistema={world.systems['SAA-BV']}").get_json()["dados"]
    assert pts and {p["sistema_id"] for p in pts} == {world.systems["SAA-BV"]}
    active = client.get(f"{BASE}/avisos").get_json()["dados"]
    assert incidents_data.NOTICE_TITLE in {n["titulo"] for n in active}
    assert all(n["situacao"] == "ativo" for n in active)
    past = client.get(f"{BASE}/avisos?situacao=encerrado").get_json()["dados"]
    assert incidents_data.PAST_TITLE in {n["titulo"] for n in past}
    csv_text = client.get(f"{BASE}/avisos?situacao=todos&formato=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("protocolo,tipo,titulo")


def test_bad_arguments_are_json_errors(client):
    resp = client.get(f"{BASE}/resultados?por_pagina=5000&desde=ontem")
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "dados_invalidos" and {"por_pagina", "desde"} <= set(err["fields"])


def test_open_data_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("resultados", "resumos-mensais", "avisos", "sistemas", "pontos"):
        op = spec["paths"][f"{BASE}/{path}"]["get"]
        names = {p["name"] for p in op.get("parameters", [])}
        assert {"pagina", "por_pagina", "formato"} <= names, path
        assert "text/csv" in op["responses"]["200"]["content"], path
    assert any(t["name"] == "dados_abertos" for t in spec.get("tags", []))


def test_data_dictionary_page(client):
    html = client.get("/portal/dados-abertos").get_data(as_text=True)
    for _key, d in DICTIONARY.items():
        assert d["titulo"] in html
        for field, _t, _d in d["campos"]:
            assert f"<code>{field}</code>" in html


def test_dictionary_lists_every_monthly_verdict():
    """The open-data dictionary names every value `resultado` can take (a pH month outside the
    recommended range is published as fora_da_recomendacao, never as nao_conforme)."""
    from lims.domain.compliance import MonthVerdict

    fields = {name: text for dataset in DICTIONARY.values() for name, _kind, text in dataset["campos"]}
    listed = {v.strip() for v in fields["resultado"].split("|")}
    assert listed == {v.value for v in MonthVerdict}
