"""A citizen on the site, in headless Chromium against a live server: finds their
neighbourhood's results, opens a collection point, reads a notice, follows a tracking link
and answers the survey. Screenshots at phone and desktop widths go to test-artifacts/portal/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.portal_publico import world as world_mod
from tests.portal_publico.live import chromium, portal_live_server

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _seed(session):  # type: ignore[no-untyped-def]
    from core.org import Organization

    session.add(Organization(
        name="Serviço Autônomo de Água e Esgoto de Vale Verde", short_name="SAAE Vale Verde",
        cnpj="12.345.678/0001-95", municipality="Vale Verde", uf="SP",
        address="Rua das Nascentes, 100 - Centro, Vale Verde/SP", phone="(19) 3333-1000",
        email="atendimento@saaevaleverde.sp.gov.br", website="https://www.saaevaleverde.sp.gov.br",
        legal_representative="Eng. Maria Helena Duarte", customer_service="0800 770 1000",
        surveillance_body="Vigilância Sanitária Municipal - (19) 3333-2000"))
    w = world_mod.build(session, months=12, samples_per_month=2)
    from tests.portal_publico import incidents_data

    return {"world": w, **incidents_data.seed(session, w)}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with portal_live_server(app, _seed) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium(ART) as b:
        yield b


def _page(browser, size, js=True):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=size, locale="pt-BR", java_script_enabled=js)
    return ctx, ctx.new_page()


def test_citizen_finds_their_neighbourhood_results(live, browser):
    for label, size in (("celular", PHONE), ("desktop", DESKTOP)):
        ctx, page = _page(browser, size, js=False)  # the site works without JavaScript
        page.goto(live.url + "/portal/")
        page.screenshot(path=str(ART / f"inicio-{label}.png"), full_page=True)
        assert page.get_by_role("heading", name="Como está a água da sua casa?").is_visible()
        page.get_by_label("Seu bairro, rua ou matrícula").fill("Centro")
        page.get_by_role("button", name="Ver minha água").click()
        page.wait_for_load_state()
        heading = page.get_by_role("heading", name="Sistema Sede (Rio Verde)", level=1)
        if not heading.count():  # more than one match: pick the neighbourhood (one: its page)
            page.get_by_role("link", name="Centro", exact=True).first.click()
        assert page.get_by_role("heading", name="Sistema Sede (Rio Verde)", level=1).is_visible()
        body = page.inner_text("main")
        assert "A água de" in body and "Centro" in body
        assert "Últimas análises perto de você" in body and "Rede Centro" in body
        assert "Dentro do padrão" in body
        assert page.locator("svg.grafico").count() >= 6  # one trend per basic parameter
        assert page.locator("svg.mapa").count() == 1
        for secret in (world_mod.SECRET_UNPUBLISHED, world_mod.SECRET_CANCELLED,
                       world_mod.SECRET_ENTERED):
            assert secret not in page.content()
        page.screenshot(path=str(ART / f"minha-agua-{label}.png"), full_page=True)
        page.get_by_role("link", name="Rede Centro - Rua XV de Novembro").first.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Histórico").is_visible()
        assert "O que é medido" in page.inner_text("main")
        page.screenshot(path=str(ART / f"ponto-{label}.png"), full_page=True)
        ctx.close()


def test_by_matricula_and_keyboard(live, browser):
    ctx, page = _page(browser, PHONE)
    page.goto(live.url + "/portal/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Pular para o conteúdo"
    page.get_by_label("Seu bairro, rua ou matrícula").fill(live.data["world"].matricula)
    page.keyboard.press("Enter")  # one place found: its water page at once
    page.wait_for_url("**/portal/minha-agua?q=**")
    assert "vem do" in page.inner_text("main")
    assert "/portal/sistemas/" in page.get_attribute("link[rel=canonical]", "href")
    ctx.close()


def test_map_reports_and_open_data_pages(live, browser):
    today = dt.date.today()
    ctx, page = _page(browser, DESKTOP)
    for path, name in (("/portal/mapa", "mapa"), (f"/portal/relatorios/anual/{today.year}", "anual"),
                       ("/portal/dados-abertos", "dados-abertos"), ("/portal/avisos", "avisos")):
        page.goto(live.url + path)
        assert page.locator("main h1").count() == 1
        page.screenshot(path=str(ART / f"{name}-desktop.png"), full_page=True)
    page.goto(live.url + "/portal/mapa")
    page.locator("svg.mapa a").first.click()
    page.wait_for_load_state()
    assert "/portal/" in page.url and page.locator("main h1").count() == 1
    ctx.close()


def test_citizen_reads_a_notice(live, browser):
    if not live.data.get("notice_title"):
        pytest.skip("incidents.api.public_notices not available yet")
    ctx, page = _page(browser, PHONE)
    page.goto(live.url + "/portal/")
    page.get_by_role("link", name=live.data["notice_title"]).first.click()
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert "O que fazer" in body and "Previsão de retorno" in body
    page.screenshot(path=str(ART / "aviso-celular.png"), full_page=True)
    ctx.close()


def test_citizen_tracks_ticket_and_answers_survey(live, browser, app):
    token = live.data.get("token")
    if not token:
        pytest.skip("incidents.api.ticket_by_token not available yet")
    ctx, page = _page(browser, PHONE)
    page.goto(f"{live.url}/portal/acompanhar/{token}")
    assert page.get_by_text("Andamento").first.is_visible()
    page.screenshot(path=str(ART / "acompanhar-celular.png"), full_page=True)
    page.get_by_role("link", name="Avaliar o atendimento").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Enviar avaliação").click()  # nothing chosen: told why
    page.wait_for_load_state()
    assert "Escolha uma nota de 1 a 5." in page.inner_text("main")
    page.get_by_label("4").check()
    page.get_by_label("Comentário (opcional)").fill("Equipe rápida e educada.")
    page.screenshot(path=str(ART / "pesquisa-celular.png"), full_page=True)
    page.get_by_role("button", name="Enviar avaliação").click()
    page.wait_for_load_state()
    assert "Obrigado! Sua avaliação foi registrada." in page.inner_text("main")
    assert "Você já avaliou este atendimento" in page.inner_text("main")
    page.goto(f"{live.url}/portal/acompanhar/nao-existe-123")
    assert "Solicitação não encontrada" in page.inner_text("main")
    ctx.close()


A11Y_JS = """() => {
  const out = [];
  const name = el => (el.getAttribute('aria-label') || (el.labels && el.labels.length && el.labels[0].textContent)
                      || (el.getAttribute('aria-labelledby') && document.getElementById(el.getAttribute('aria-labelledby').split(' ')[0])?.textContent)
                      || el.textContent || el.getAttribute('title') || '').trim();
  if (document.documentElement.lang !== 'pt-BR') out.push('lang');
  for (const sel of ['header[role=banner]', 'nav', 'main', 'footer[role=contentinfo]'])
    if (!document.querySelector(sel)) out.push('landmark ' + sel);
  if (document.querySelectorAll('h1').length !== 1) out.push('h1 count');
  document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(el => {
    if (!name(el)) out.push('unlabelled ' + el.outerHTML.slice(0, 60)); });
  document.querySelectorAll('a, button').forEach(el => {
    if (!name(el) && !el.querySelector('title')) out.push('nameless ' + el.outerHTML.slice(0, 60)); });
  document.querySelectorAll('svg').forEach(el => {
    // role=img for a picture; role=group for a map that holds links (an image cannot)
    const role = el.getAttribute('role');
    if (el.getAttribute('aria-hidden') !== 'true' && role !== 'img' && role !== 'group' && !el.closest('svg:not(:scope)'))
      out.push('svg without role ' + el.outerHTML.slice(0, 60));
    if ((role === 'img' || role === 'group') && !name(el) && !el.querySelector('title')) out.push('svg without name'); });
  return out;
}"""


def test_pages_are_accessible(live, browser):
    """Landmarks, one h1, lang, every control labelled, every link named, figures titled."""
    w = live.data["world"]
    sede = w.systems["SAA-SEDE"]
    paths = ["/portal/", "/portal/minha-agua?q=Rua", f"/portal/sistemas/{sede}?bairro=Centro",
             f"/portal/pontos/{next(iter(w.points.values()))}", "/portal/mapa", "/portal/avisos",
             f"/portal/avisos/{live.data['notice_id']}", "/portal/relatorios", "/portal/parametros",
             "/portal/dados-abertos", f"/portal/acompanhar/{live.data['token']}"]
    ctx, page = _page(browser, PHONE)
    for path in paths:
        page.goto(live.url + path)
        problems = page.evaluate(A11Y_JS)
        assert problems == [], (path, problems)
        # nothing wider than the phone: no sideways scrolling of the page itself
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
    ctx.close()


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_verdict_colours_meet_wcag_aa_contrast():
    for fg in ("#1e7b34", "#b3261e", "#8a6100", "#5b6470", "#0b4f8a", "#1b1f24"):
        for bg in ("#ffffff", "#f4f6f8", "#e8f0f8", "#fff5dc"):
            a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
            assert (a + 0.05) / (b + 0.05) >= 4.5, (fg, bg)
