"""Item 4: database down. Open-data endpoints answered 200 with empty data and
`Cache-Control: public`; portal errors were cached too; `/saude` gave 500. Now: 503,
`no-store`, a pt-BR page (JSON for the API), and /saude says what is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.reliability.fault_world import ROOT

PROBE = """
import json
from core.config import Settings
from saae.app import create_app
app = create_app(Settings.from_env(), TESTING=True)
c = app.test_client()
out = {}
for url in ("/portal/", "/portal/mapa", "/portal/avisos", "/portal/sistemas/1", "/api/v1/dados-abertos/sistemas",
            "/api/v1/dados-abertos/resultados", "/api/v1/dados-abertos/resumos-mensais", "/saude",
            ):
    r = c.get(url)
    out[url] = {"status": r.status_code, "cache": r.headers.get("Cache-Control", ""),
                "type": r.mimetype, "body": r.get_data(as_text=True)[:600]}
print(json.dumps(out))
"""


def test_database_down_gives_503_never_cached(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
    env.update({"SAAE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nada",
                "SAAE_DATA_DIR": str(tmp_path), "SAAE_ENV": "test"})
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for url, r in out.items():
        assert r["status"] == 503, (url, r)
        assert "no-store" in r["cache"] and "public" not in r["cache"], (url, r)
    page = out["/portal/mapa"]
    assert page["type"] == "text/html" and "temporariamente indisponível" in page["body"]
    api = json.loads(out["/api/v1/dados-abertos/sistemas"]["body"])
    assert api["error"]["code"] == "servico_indisponivel"
    health = json.loads(out["/saude"]["body"])
    assert health["status"] == "indisponivel"
    assert health["componentes"]["banco_de_dados"]["ok"] is False
    assert "banco de dados não responde" in health["componentes"]["banco_de_dados"]["erro"]


def test_portal_and_open_data_errors_are_never_cached(client, db):
    for url in ("/portal/sistemas/999999", "/portal/pontos/999999", "/portal/avisos/999999",
                "/api/v1/dados-abertos/resultados?sistema=abc"):
        r = client.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store", (url, r.headers.get("Cache-Control"))
