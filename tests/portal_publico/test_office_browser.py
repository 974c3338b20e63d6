"""A consumer in the virtual office, in headless Chromium against a live server, at phone
(390 px) and desktop widths: signs in with CPF + matricula + the code from the local outbox,
sees invoices, consumption and the water quality, downloads the second copy, opens the PIX,
subscribes to an alert and reads the privacy page. Every page passes axe (WCAG 2.1 AA).
Screenshots go to test-artifacts/escritorio/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from core import fmt
from tests.portal_publico.live import chromium, portal_live_server

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "escritorio"
SIZES = {"celular": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CPF = "529.982.247-25"
SYSTEM = 4343
TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)


def _billing(session):  # type: ignore[no-untyped-def]
    from commercial import seed
    from commercial.models import BillingGroup
    from commercial.services import billing_parameters, tariffs

    seed.seed_reference()
    group = BillingGroup(number=91, name="Grupo do escritório", reading_day=18,
                         processing_day=20, due_day=5)
    session.add(group)
    session.flush()
    if not tariffs.tables():
        tariffs.save_table("Tabela 2025", dt.date(2025, 1, 1), None, tariffs.tender_example_rows())
    billing_parameters.save_parameters({
        "febraban_company": "0123", "value_id": "6", "sms_days_before": 8, "due_days_min": 5,
        "quality_months_back": 0, "pix_key": "12345678000195", "pix_name": "SAAE TESTE",
        "pix_city": "VALE VERDE", "excess_percent": "30"})
    return group


def _seed(session):  # type: ignore[no-untyped-def]
    from commercial.models import Reading
    from commercial.services import batches, pdfpool, registry
    from core.auth import Profile
    from saae.seed import create_user
    from tests.commercial.lims_month import close_lims_month

    analyst = create_user("analista_of", "Alice Analista", [Profile.ANALYST], "Senha#Forte2026x")
    sup = create_user("supervisor_of", "Sara Supervisora", [Profile.SUPERVISOR], "Senha#Forte2026x")
    session.flush()
    close_lims_month(SYSTEM, PREV[0], PREV[1], analyst.id, sup.id, days=6)
    group = _billing(session)
    c = registry.save_consumer({"name": "Joana Consumidora", "document": CPF,
                                "phones": ["(19) 99876-5432"], "email": "joana@exemplo.com.br",
                                "channels": ["whatsapp", "sms", "email"], "consent": True})
    conn = registry.save_connection({
        "consumer_id": c.id, "street": "Rua XV de Novembro", "house_number": "120",
        "neighbourhood": "Centro", "city": "Vale Verde", "sector_code": "SET-01",
        "system_id": SYSTEM, "residencial": 1, "billing_group_id": group.id,
        "meter_number": "Y25A777001", "meter_telemetered": True, "direct_debit": True,
        "has_sewer": True})
    y, m = fmt.month_add(PREV[0], PREV[1], -11)
    value, prev = 1000, None
    for i in range(12):
        use = [11, 12, 10, 13, 12, 11, 14, 12, 11, 13, 12, 19][i]
        value += use
        session.add(Reading(connection_id=conn.id, year=y, month=m, read_on=dt.date(y, m, 18),
                            value=value, previous_value=prev, consumption=use if prev else 0,
                            kind="real"))
        prev = value
        y, m = fmt.month_add(y, m, 1)
    session.flush()
    old = pdfpool.default_processes
    pdfpool.default_processes = lambda: 0  # type: ignore[assignment]  # render in this process
    try:
        batches.request_batch(group.id, *PREV, issue_date=TODAY)
    finally:
        pdfpool.default_processes = old  # type: ignore[assignment]
    from tests.portal_publico import incidents_data

    return {"matricula": conn.matricula, **incidents_data.seed(session)}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with portal_live_server(app, _seed) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium(ART) as b:
        yield b


def _code(app, live) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from incidents.models import LocalOutbox

    with live.db(app) as s:
        row = s.scalars(select(LocalOutbox).order_by(LocalOutbox.id.desc())).first()
        return re.search(r"\b(\d{6})\b", row.content).group(1)  # type: ignore[union-attr]


def _axe(page, axe, found: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; })")
    res = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS},
                                 "resultTypes": ["violations"]})
    for v in res.response["violations"]:
        found.append(f"{page.url} {v['id']} {[n['target'] for n in v['nodes']][:3]}")


def test_consumer_uses_the_virtual_office(app, live, browser):  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe, violations = Axe(), []
    mat = live.data["matricula"]
    for label, size in SIZES.items():
        ctx = browser.new_context(viewport=size, locale="pt-BR", accept_downloads=True)
        page = ctx.new_page()
        page.goto(live.url + "/portal/")
        page.get_by_role("link", name="Escritório virtual").click()
        page.screenshot(path=str(ART / f"entrar-{label}.png"), full_page=True)
        _axe(page, axe, violations)
        page.get_by_label("CPF ou CNPJ do titular").fill(CPF)
        page.get_by_label("Matrícula com o dígito").fill(f"{mat[:-1]}-{mat[-1]}")
        page.get_by_role("button", name="Receber o código").click()
        page.wait_for_url("**/codigo**")
        page.get_by_label("Código recebido").fill("000000" if _code(app, live) != "000000" else "111111")
        page.get_by_role("button", name="Entrar").click()
        assert "Código incorreto" in page.inner_text("main")
        page.screenshot(path=str(ART / f"codigo-errado-{label}.png"), full_page=True)
        page.get_by_label("Código recebido").fill(_code(app, live))
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_url("**/portal/escritorio/")
        body = page.inner_text("main")
        assert "Joana Consumidora" in body and f"{PREV[1]:02d}/{PREV[0]}" in body
        assert "Mês fechado pelo laboratório" in body and "Consumo mensal" in body
        assert live.data["notice_title"] in body and live.data["past_title"] not in body
        page.screenshot(path=str(ART / f"conta-{label}.png"), full_page=True)
        _axe(page, axe, violations)
        with page.expect_download() as dl:
            page.get_by_role("link", name=re.compile("2ª via")).first.click()
        path = dl.value.path()
        assert path and Path(path).read_bytes()[:4] == b"%PDF"
        if label == "celular":
            (ART / "2via.pdf").write_bytes(Path(path).read_bytes())
        page.get_by_role("link", name=re.compile("Pagar com PIX")).first.click()
        assert page.get_by_role("img", name=re.compile("QR Code PIX")).is_visible()
        page.screenshot(path=str(ART / f"pix-{label}.png"), full_page=True)
        _axe(page, axe, violations)
        page.get_by_role("link", name="Preferências e alertas").click()
        page.get_by_label("Quero receber").first.check()
        page.get_by_role("button", name="Salvar alertas").click()
        assert "Alertas salvos." in page.inner_text("main")
        page.screenshot(path=str(ART / f"preferencias-{label}.png"), full_page=True)
        _axe(page, axe, violations)
        page.get_by_role("link", name="Privacidade e meus dados").click()
        assert "O que guardamos e por quê" in page.inner_text("main")
        page.screenshot(path=str(ART / f"privacidade-{label}.png"), full_page=True)
        _axe(page, axe, violations)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{label}: the page scrolls sideways ({width} px)"
        page.get_by_role("button", name="Sair").click()
        page.wait_for_url("**/entrar")
        ctx.close()
    assert not violations, "\n".join(violations)
