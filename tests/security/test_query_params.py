"""Item 15: bad query values answer 422 (or 404) with a Portuguese message, never 500. On the
main of 2026-12-04 /lims/relatorios/turbidez?ano=99999 was a 500 (year out of range), so was
posting a notice-template form without its code, a non-numeric reading sequence on a new
connection, and a search of 100,000 characters could reach SQLite's LIKE."""

from __future__ import annotations

import pytest

from core.auth import Profile


@pytest.mark.parametrize("query", ["ano=99999", "ano=-5", "mes=13", "ano=" + "9" * 40,
                                   "sistema=99999999999999", "ano=abc"])
def test_report_years_and_months_are_checked(client, login_as, query):
    login_as(Profile.MANAGER, Profile.ANALYST)
    r = client.get(f"/lims/relatorios/turbidez?{query}", headers={"Accept": "application/json"})
    assert r.status_code == 422, r.status_code
    assert "deve ser um número inteiro entre" in r.get_json()["error"]["message"]
    page = client.get(f"/lims/relatorios/turbidez?{query}")
    assert page.status_code == 422 and "deve ser um número inteiro entre" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/lims/amostras?q=", "/portal/minha-agua?q=", "/admin/auditoria?usuario="])
def test_long_or_nul_query_values_are_refused(client, login_as, path):
    login_as(Profile.ADMINISTRATOR, Profile.MANAGER)
    r = client.get(path + "x" * 100_000)
    assert r.status_code == 422 and "longo demais" in r.get_data(as_text=True)
    r = client.get(path + "a%00b")
    assert r.status_code == 422 and "caractere inválido" in r.get_data(as_text=True)


def test_huge_page_numbers(client, login_as):
    login_as(Profile.MANAGER, Profile.OPERATOR)
    for url in ("/comercial/ligacoes?pagina=99999999999999999999", "/admin/auditoria?page=1e9"):
        r = client.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)


def test_forms_with_bad_numbers_do_not_break(client, login_as):
    login_as(Profile.MANAGER, Profile.SUPERVISOR)
    assert client.post("/incidentes/modelos", data={"kind": "texto"}).status_code == 302
    r = client.post("/comercial/ligacoes/nova", data={"route_seq": "NaN", "residencial": "1"})
    assert r.status_code in (200, 302, 422)
