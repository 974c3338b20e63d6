"""The OpenAPI document judged by the ecosystem's own tools (issue 22): `openapi-spec-validator`
finds no error, and a client generated from it by `openapi-python-client` calls the API."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from core.auth import Profile


def test_the_document_passes_openapi_spec_validator(client):
    doc = client.get("/api/v1/openapi.json").json
    errors = [f"{'/'.join(str(p) for p in e.path)}: {e.message[:300]}"
              for e in OpenAPIV30SpecValidator(doc).iter_errors()]
    assert not errors, "\n".join(errors)


def test_every_operation_documents_its_success_answer(client):
    """Each operation has a 2xx response with a content type and a schema (204 excepted)."""
    doc = client.get("/api/v1/openapi.json").json
    missing = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            ok = {code: r for code, r in op["responses"].items() if code.startswith("2")}
            if not ok or any(code != "204" and not any(
                    "schema" in c for c in (r.get("content") or {}).values())
                    for code, r in ok.items()):
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing


def _generate(doc: dict, where: Path) -> str:
    """Generate a Python client package from `doc` with openapi-python-client; its name."""
    spec = where / "openapi.json"
    spec.write_text(json.dumps(doc))
    config = where / "config.json"
    config.write_text(json.dumps({"package_name_override": "saae_client", "post_hooks": []}))
    exe = shutil.which("openapi-python-client",
                       path=str(Path(sys.executable).parent)) or shutil.which("openapi-python-client")
    assert exe, "openapi-python-client (test extra) is installed"
    out = subprocess.run([exe, "generate", "--path", str(spec), "--config", str(config),
                          "--meta", "none", "--output-path", str(where / "saae_client")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return "saae_client"


@pytest.fixture()
def generated(client, tmp_path, monkeypatch):
    doc = client.get("/api/v1/openapi.json").json
    name = _generate(doc, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]
    yield importlib.import_module(name)
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]


def test_a_generated_client_calls_three_endpoints(app, generated, api_token):
    """The generated code, over httpx's WSGI transport into the app (the test's transaction):
    typed answers parsed from the documented schemas, an ApiError for a refused call."""
    user, token = api_token(Profile.MANAGER, Profile.ADMINISTRATOR)
    transport = httpx.WSGITransport(app=app)
    conta = importlib.import_module("saae_client.api.core_api.get_api_v1_conta")
    usuarios = importlib.import_module("saae_client.api.core_api.get_api_v1_usuarios")
    sistemas = importlib.import_module(
        "saae_client.api.dados_abertos.get_api_v1_dados_abertos_sistemas")
    models = importlib.import_module("saae_client.models")

    authed = generated.AuthenticatedClient(base_url="http://saae.test", token=token,
                                           httpx_args={"transport": transport},
                                           raise_on_unexpected_status=True)
    me = conta.sync(client=authed)
    assert isinstance(me, models.MeOut) and me.username == user.username
    assert "gestor" in [p.code for p in me.profiles]

    people = usuarios.sync(client=authed, ativo=True)
    assert isinstance(people, list) and all(isinstance(u, models.UserOut) for u in people)
    assert user.username in [u.username for u in people]

    public = generated.Client(base_url="http://saae.test", httpx_args={"transport": transport},
                              raise_on_unexpected_status=True)
    page = sistemas.sync(client=public, por_pagina=5)
    assert isinstance(page, models.Page) and page.conjunto == "sistemas"
    assert page.paginacao.pagina == 1

    anonymous = conta.sync_detailed(client=public)
    assert anonymous.status_code == 401 and isinstance(anonymous.parsed, models.ApiError)
