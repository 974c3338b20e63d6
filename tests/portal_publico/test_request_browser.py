"""Issue 21 part 5 in headless Chromium at 390 px: a person reports a leak on the portal with
a photo, gets the protocol and the tracking link, the technician closes the order, and the
person follows the link and answers the survey. Screenshots in test-artifacts/portal/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.portal_publico.live import chromium, live_server
from tests.portal_publico.test_browser import A11Y_JS

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
PHONE = {"width": 390, "height": 844}


def _seed(session):  # type: ignore[no-untyped-def]
    from commercial.models import BillingGroup
    from commercial.services import registry
    from core.org import Organization
    from incidents import demo, seed

    session.add(Organization(name="SAAE de Vale Verde", short_name="SAAE Vale Verde", cnpj="12.345.678/0001-95",
                             municipality="Vale Verde", uf="SP", address="Rua das Nascentes, 100",
                             phone="(19) 3333-1000"))
    seed.seed_reference()
    demo.seed_technicians()
    g = BillingGroup(number=977, name="Grupo portal", reading_day=18, processing_day=20, due_day=5)
    session.add(g)
    session.flush()
    c = registry.save_consumer({"name": "Maria Silva", "phones": [], "channels": [], "consent": True})
    registry.save_connection({"consumer_id": c.id, "street": "Rua da Serra", "house_number": "12",
                              "neighbourhood": "Alto da Serra", "city": "Vale Verde", "sector_code": "SET-02",
                              "residencial": 1, "billing_group_id": g.id, "latitude": -22.9, "longitude": -47.06})
    return {}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium(ART) as b:
        yield b


def _photo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 110, 170)).save(buf, "JPEG")
    return buf.getvalue()


def _close_order(live, app, protocol: str) -> None:  # type: ignore[no-untyped-def]
    """The technician's phone queue, as the phone page sends it."""
    from sqlalchemy import select

    from incidents.models import ServiceRequest, Technician
    from incidents.services import field_sync
    from incidents.services import workorders as wo_svc

    with live.db(app) as s:
        req = s.scalars(select(ServiceRequest).where(ServiceRequest.protocol == protocol)).one()
        [wo] = wo_svc.orders(request_id=req.id)
        tech = s.get(Technician, wo.technician_id)
        res = field_sync.sync([{"client_key": f"b{i}", "work_order_id": wo.id, "kind": k, "data": d,
                                "at": f"2026-12-05T1{i}:00:00Z"}
                               for i, (k, d) in enumerate([("inicio", {}), ("encerrar", {
                                   "form": {"servico_executado": "Troca do registro"}})])], tech.username)
        assert [r["status"] for r in res] == ["aplicada", "aplicada"], res
        s.commit()


def test_report_a_leak_on_a_phone_then_track_and_answer(live, browser, app):
    ctx = browser.new_context(viewport=PHONE, locale="pt-BR")
    page = ctx.new_page()
    page.goto(live.url + "/portal/")
    page.get_by_role("link", name="Avisar problema").click()
    page.wait_for_load_state()
    assert page.evaluate(A11Y_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert not page.locator("#site").is_visible()  # the honeypot is not for people
    page.screenshot(path=str(ART / "solicitar-celular.png"), full_page=True)

    page.get_by_label("Vazamento no cavalete ou no hidrômetro").check()
    page.get_by_role("button", name="Enviar aviso").click()  # no address: told why, kept
    page.wait_for_load_state()
    assert "Informe o endereço" in page.inner_text("main")
    assert page.get_by_label("Vazamento no cavalete ou no hidrômetro").is_checked()
    page.screenshot(path=str(ART / "solicitar-erro-celular.png"), full_page=True)

    page.get_by_label("Endereço (rua e número, ou um ponto de referência)").fill("Rua da Serra, 12")
    page.get_by_label("Bairro").select_option("Alto da Serra")
    page.get_by_label("Detalhes (opcional)").fill("Água escorrendo pelo cavalete desde cedo.")
    page.set_input_files("#foto", files=[{"name": "vazamento.jpg", "mimeType": "image/jpeg",
                                          "buffer": _photo()}])
    page.get_by_role("button", name="Enviar aviso").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Recebemos seu aviso" in main and "/portal/acompanhar/" in main
    protocol = page.locator("h1").inner_text().replace("Protocolo ", "").strip()
    assert protocol.startswith("RA")
    assert page.evaluate(A11Y_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.screenshot(path=str(ART / "solicitado-celular.png"), full_page=True)

    page.get_by_role("link", name="Acompanhar a solicitação").click()
    page.wait_for_load_state()
    assert "Em atendimento" in page.inner_text("main")
    _close_order(live, app, protocol)
    page.reload()
    assert "Concluída" in page.inner_text("main")
    page.screenshot(path=str(ART / "solicitacao-concluida-celular.png"), full_page=True)
    page.get_by_role("link", name="Avaliar o atendimento").click()
    page.wait_for_load_state()
    page.get_by_label("5").check()
    page.get_by_role("button", name="Enviar avaliação").click()
    page.wait_for_load_state()
    assert "Você já avaliou este atendimento" in page.inner_text("main")
    ctx.close()
