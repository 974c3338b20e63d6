"""Every public page renders for an anonymous visitor, with data and without."""

from __future__ import annotations

import datetime as dt

import pytest

PAGES = ["/portal/", "/portal/minha-agua", "/portal/minha-agua?q=Centro", "/portal/mapa",
         "/portal/parametros", "/portal/relatorios", "/portal/avisos", "/portal/dados-abertos"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_without_data(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:400]
    html = resp.get_data(as_text=True)
    assert '<main id="conteudo"' in html and 'lang="pt-BR"' in html
    assert "Cache-Control" in resp.headers


def test_pages_render_with_data(client, world, org):
    sede = world.systems["SAA-SEDE"]
    today = dt.date.today()
    urls = PAGES + [f"/portal/sistemas/{sede}", f"/portal/sistemas/{sede}?bairro=Centro&lat=-22.90&lon=-47.06",
                    f"/portal/pontos/{next(iter(world.points.values()))}",
                    f"/portal/relatorios/{sede}/{today.year}/{today.month}",
                    f"/portal/relatorios/anual/{today.year}"]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:600])


def test_home_shows_each_system_verdict_in_words(client, world):
    html = client.get("/portal/").get_data(as_text=True)
    assert "Sistema Sede (Rio Verde)" in html and "Sistema Boa Vista (poços)" in html
    assert "Dentro do padrão" in html
    assert 'class="ic"' in html  # an icon beside the words, never colour alone
    for name in ("Turbidez", "Cloro residual livre", "Escherichia coli"):
        assert name in html


def test_unknown_items_are_404_in_portal_layout(client, world):
    for url in ("/portal/sistemas/999999", "/portal/pontos/999999", "/portal/avisos/999999",
                "/portal/relatorios/999999/2026/1"):
        resp = client.get(url)
        assert resp.status_code == 404
        assert "Página não encontrada" in resp.get_data(as_text=True)


def test_pages_answer_304_to_a_repeat_visit(client, world):
    first = client.get("/portal/mapa")
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    again = client.get("/portal/mapa", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_search_by_street_and_short_queries(client, world):
    html = client.get("/portal/minha-agua?q=Rua").get_data(as_text=True)
    assert "Rua XV de Novembro - Centro" in html and "/portal/sistemas/" in html
    resp = client.get("/portal/minha-agua?q=a")
    assert resp.status_code == 200 and "pelo menos 2 letras" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"  # a message for this visitor only
    html = client.get("/portal/minha-agua?q=Bairro Que Não Existe").get_data(as_text=True)
    assert "Não encontramos" in html


def _main(html: str) -> str:
    return html[html.index('<main id="conteudo"'):html.index("</main>")]


def test_one_place_found_is_answered_in_place(client, world):
    """A search that finds one place answers with that place's water page at once (issue 17:
    the redirect cost every such search a second request, the slowest page of the load run),
    naming the page's own address as canonical; the same content as that address."""
    import html as html_mod
    import re

    resp = client.get("/portal/minha-agua?q=XV de Novembro")
    assert resp.status_code == 200 and "Location" not in resp.headers
    page = resp.get_data(as_text=True)
    found = re.search(r'<link rel="canonical" href="([^"]+)"', page)
    assert found and "/portal/sistemas/" in found.group(1), page[:600]
    assert "A água de" in page and "Rua XV de Novembro" in page
    same = client.get(html_mod.unescape(found.group(1)))
    assert same.status_code == 200 and _main(same.get_data(as_text=True)) == _main(page)
