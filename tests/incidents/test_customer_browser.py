"""The customer screen in headless Chromium (desktop and 390 px): one connection's requests,
orders, services to bill, invoices and readings on one page. Screenshots in
test-artifacts/requests/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.portal_publico.live import chromium, live_server, sign_in
from tests.portal_publico.test_browser import A11Y_JS

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "requests"
PASSWORD = "Senha#Forte2026x"


def _seed(session):  # type: ignore[no-untyped-def]
    from commercial.models import BillingGroup, Connection
    from commercial.services import registry
    from core.auth import Profile
    from incidents import demo, seed
    from incidents.services import field_sync
    from incidents.services import requests as req_svc
    from incidents.services import workorders as wo_svc
    from saae.seed import create_user

    create_user("atendente", "Ana Atendente", [Profile.OPERATOR], PASSWORD)
    seed.seed_reference()
    demo.seed_technicians()
    g = BillingGroup(number=978, name="Grupo tela", reading_day=18, processing_day=20, due_day=5)
    session.add(g)
    session.flush()
    c = registry.save_consumer({"name": "Francisca Ribeiro", "phones": [], "channels": [], "consent": True})
    conn = registry.save_connection({"consumer_id": c.id, "street": "Rua das Palmeiras", "house_number": "1622",
                                     "neighbourhood": "Centro", "city": "Vale Verde", "sector_code": "SET-01",
                                     "residencial": 1, "billing_group_id": g.id, "meter_number": "Y24A000001"})
    session.get(Connection, conn.id).situation = "cortada"
    session.flush()
    req = req_svc.open_request({"type_code": "RELIGACAO", "matricula": conn.matricula}, channel="balcao")
    [wo] = wo_svc.orders(request_id=req.id)
    tech = wo_svc.session.get(wo_svc.Technician, wo.technician_id)
    field_sync.sync([{"client_key": "t1", "work_order_id": wo.id, "kind": "encerrar",
                      "data": {"form": {"leitura": "1520"}}}], tech.username)
    req_svc.open_request({"type_code": "FALTA-AGUA", "matricula": conn.matricula}, channel="telefone")
    return {"matricula": conn.matricula}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def test_customer_screen_on_desktop_and_phone(live):
    with chromium(ART) as b:
        for name, size in (("desktop", {"width": 1366, "height": 900}), ("celular", {"width": 390, "height": 844})):
            ctx = b.new_context(viewport=size, locale="pt-BR", service_workers="block")
            page = ctx.new_page()
            sign_in(page, live.url, "atendente", PASSWORD)
            page.goto(live.url + "/incidentes/atendimento/cliente")
            page.get_by_label("Matrícula, hidrômetro, nome, CPF/CNPJ ou rua").fill("Francisca")
            page.get_by_role("button", name="Buscar").click()
            page.wait_for_load_state()
            main = page.inner_text("main")
            for part in ("Francisca Ribeiro", "Ativa", "Religação de água", "Falta d'água",
                         "A faturar na próxima conta", "R$ 42,00", "Faturas", "Leituras"):
                assert part in main, (name, part)
            assert page.evaluate(A11Y_JS) == [], name
            page.screenshot(path=str(ART / f"cliente-{name}.png"), full_page=True)
            ctx.close()
