"""One error mapping: pt-BR pages for people, {"error": {code, message, fields}} for the API."""

from __future__ import annotations

import pytest

from core.auth import Profile, public
from core.errors import Conflict, DomainError, NotFound, ValidationError

JSON = {"Accept": "application/json"}


@pytest.fixture()
def raising(app, monkeypatch):
    """Make the public /saude endpoint raise `exc` (the app's own handlers answer)."""

    def install(exc: BaseException) -> None:
        @public
        def boom():  # type: ignore[no-untyped-def]
            raise exc

        monkeypatch.setitem(app.view_functions, "shell.health", boom)

    return install


def test_404_page_in_portuguese(client):
    resp = client.get("/nao-existe")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 404 and resp.content_type.startswith("text/html")
    assert "Página não encontrada" in text and 'lang="pt-BR"' in text


def test_404_json_in_the_api(client):
    resp = client.get("/api/v1/nao-existe")
    assert resp.status_code == 404
    assert resp.json == {"error": {"code": "nao_encontrado", "message": "Página não encontrada."}}


def test_403_page(client, login_as):
    login_as(Profile.COLLECTOR)
    resp = client.get("/admin/usuarios")
    assert resp.status_code == 403 and "Acesso negado" in resp.get_data(as_text=True)


def test_405_json(client):
    resp = client.delete("/api/v1/openapi.json")
    assert resp.status_code == 405 and resp.json["error"]["code"] == "http_405"


def test_500_page_and_json(client, raising):
    raising(RuntimeError("bug"))
    resp = client.get("/saude")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Erro interno" in text and "bug" not in text
    resp = client.get("/saude", headers=JSON)
    assert resp.status_code == 500 and resp.json["error"]["code"] == "erro_interno"


@pytest.mark.parametrize(("exc", "status", "code"), [
    (ValidationError("Dados ruins.", fields={"valor": ["Obrigatório."]}), 422, "dados_invalidos"),
    (NotFound("Amostra não encontrada."), 404, "nao_encontrado"),
    (Conflict("Já fechado."), 409, "conflito"),
    (DomainError("Regra.", code="regra_x"), 400, "regra_x"),
])
def test_domain_errors_as_json(client, raising, exc, status, code):
    raising(exc)
    resp = client.get("/saude", headers=JSON)
    assert resp.status_code == status
    assert resp.json["error"]["code"] == code
    assert resp.json["error"]["message"] == exc.message
    if exc.fields:
        assert resp.json["error"]["fields"] == exc.fields


def test_domain_error_as_a_page(client, raising):
    raising(NotFound("Amostra não encontrada."))
    resp = client.get("/saude")
    assert resp.status_code == 404 and "Amostra não encontrada." in resp.get_data(as_text=True)


def test_domain_error_on_a_form_post_flashes_and_goes_back(client, app, monkeypatch):
    @public
    def post_boom():  # type: ignore[no-untyped-def]
        raise ValidationError("Valor fora da faixa.")

    monkeypatch.setitem(app.view_functions, "core.logout", post_boom)
    resp = client.post("/sair", headers={"Referer": "/entrar"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/entrar")
    page = client.get("/entrar")
    assert "Valor fora da faixa." in page.get_data(as_text=True)


def test_api_query_validation_answers_422_per_field(client, api_token):
    _user, token = api_token(Profile.ADMINISTRATOR)
    resp = client.get("/api/v1/usuarios?pagina=abc&ativo=talvez",
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "dados_invalidos"
    assert set(err["fields"]) == {"pagina", "ativo"}
    assert all(isinstance(m, list) and m for m in err["fields"].values())


def test_validation_messages_are_in_portuguese():
    from core.errors import flatten_locations

    out = flatten_locations({"query": {"pagina": ["Not a valid integer."]},
                             "json": {"faixa": ["Must be greater than or equal to 1 and less "
                                                "than or equal to 9."],
                                      "nome": ["Missing data for required field."],
                                      "outro": ["mensagem própria"]}})
    assert out == {"pagina": ["Informe um número inteiro."], "faixa": ["Deve estar entre 1 e 9."],
                   "nome": ["Campo obrigatório."], "outro": ["mensagem própria"]}


def test_an_id_beyond_the_database_integer_is_a_404_not_a_500(client, login_as):
    login_as(Profile.ADMINISTRATOR)
    assert client.get("/admin/usuarios/99999999999").status_code == 404
    assert client.get("/admin/usuarios/2147483647").status_code == 404  # in range, absent


def test_a_value_the_database_refuses_is_a_422(client, raising):
    import sqlalchemy.exc as sa_exc

    raising(sa_exc.DataError("SELECT 1", {}, Exception("integer out of range")))
    resp = client.get("/saude", headers=JSON)
    assert resp.status_code == 422 and resp.json["error"]["code"] == "valor_invalido"


def test_a_form_without_csrf_token_is_refused_with_a_clear_message(settings, db):
    """The suite's app disables CSRF; a production-like app refuses a forged POST."""
    import dataclasses

    from core.errors import CSRF_MESSAGE
    from saae.app import create_app

    strict = create_app(dataclasses.replace(settings, secret_key="c" * 40), TESTING=True)
    resp = strict.test_client().post("/entrar", data={"username": "x", "password": "y"})
    assert resp.status_code == 400 and CSRF_MESSAGE in resp.get_data(as_text=True)
