"""The collector's phone page in headless Chromium at phone width, against a live server:
offline, two entries are kept on the phone (and survive a reload served by the service
worker); back online they reach the server once each, with the readings and the GPS fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "lims"
PASSWORD = "Senha#Forte2026"
TODAY = dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date()


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from lims.services import routes
    from saae.seed import create_user
    from tests.lims.routes_world import make_world

    world = make_world(TODAY)
    collector = create_user("coletor.campo", "João Coletor", [Profile.COLLECTOR], PASSWORD)
    session.commit()
    r = routes.build_route(world.day, collector.id, user_id=None)
    return {"route_id": r.id, "samples": [st.sample_id for st in r.stops]}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def _photo(path: Path) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (2000, 1500), (90, 140, 200))  # a big phone photo, shrunk on the phone
    ImageDraw.Draw(img).rectangle((600, 400, 1400, 1100), fill=(230, 230, 230))
    img.save(path, "JPEG", quality=85)
    return path


def _db_state(live, app, sample_ids):  # type: ignore[no-untyped-def]
    from lims.models.routes import FieldEntry
    from lims.models.samples import Sample

    with live.db(app) as s:
        entries = dict(s.execute(select(FieldEntry.sample_id, func.count()).where(
            FieldEntry.sample_id.in_(sample_ids)).group_by(FieldEntry.sample_id)).all())
        samples = {x.id: (str(x.state), dict(x.field_readings or {}), x.latitude, x.photo_path)
                   for x in s.scalars(select(Sample).where(Sample.id.in_(sample_ids)))}
    return entries, samples


def test_offline_entries_reach_the_server_once(live, app):
    from playwright.sync_api import expect, sync_playwright

    ART.mkdir(parents=True, exist_ok=True)
    rid, (first, second, *_rest) = live.data["route_id"], live.data["samples"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="pt-BR",
                                  geolocation={"latitude": -22.90012, "longitude": -47.06003,
                                               "accuracy": 8},
                                  permissions=["geolocation"])
        page = ctx.new_page()
        sign_in(page, live.url, "coletor.campo", PASSWORD)
        page.goto(f"{live.url}/lims/campo/rota/{rid}")
        expect(page.locator("#rede")).to_have_text("Conectado")
        try:  # the service worker keeps a copy of the page for an offline reopen
            page.wait_for_selector("#campo[data-offline-ready='1']", state="attached", timeout=5000)
            sw = True
        except Exception:  # noqa: BLE001  (no service worker: the queue still works)
            sw = False
        stop1 = page.locator(f"#parada-{first}")
        expect(stop1.locator("[data-gps]")).to_contain_text("-22.90012")

        ctx.set_offline(True)
        expect(page.locator("#rede")).to_have_text("Sem conexão")
        form = stop1.locator("form[data-kind=coletada]")
        form.locator("input[name=cloro_residual_livre]").fill("1,1")
        form.locator("input[name=turbidez]").fill("0,35")
        form.locator("input[name=ph]").fill("7,2")
        form.locator("input[name=temperatura]").fill("23")
        form.locator("input[name=foto]").set_input_files(str(_photo(ART / "foto_ponto.jpg")))
        form.locator("button[type=submit]").click()
        expect(page.locator("#fila")).to_have_text("1 registro(s) aguardando envio")
        expect(stop1.locator("[data-situacao]")).to_contain_text("salvo no aparelho")
        stop2 = page.locator(f"#parada-{second}")
        if stop2.get_attribute("open") is None:  # the page opens the next stop by itself
            stop2.locator("summary").click()
        nf = stop2.locator("form[data-kind=nao_coletada]")
        nf.locator("select[name=motivo_tipo]").select_option("Local fechado")
        nf.locator("input[name=motivo]").fill("portao trancado")
        nf.locator("button[type=submit]").click()
        expect(page.locator("#fila")).to_have_text("2 registro(s) aguardando envio")
        page.screenshot(path=str(ART / "campo_offline_celular.png"), full_page=False)
        entries, _ = _db_state(live, app, [first, second])
        assert entries == {}  # nothing reached the server

        if sw:  # reopen the page without signal: the service worker's copy, the queue intact
            page.reload()
            expect(page.locator("#fila")).to_have_text("2 registro(s) aguardando envio")

        ctx.set_offline(False)
        expect(page.locator("#fila")).to_have_text("0 registro(s) aguardando envio", timeout=15000)
        expect(stop1.locator("[data-situacao]")).to_contain_text("enviado")
        page.click("#enviar")  # an extra flush sends nothing again
        page.wait_for_timeout(500)
        page.screenshot(path=str(ART / "campo_online_celular.png"), full_page=True)
        browser.close()

    entries, samples = _db_state(live, app, [first, second])
    assert entries == {first: 1, second: 1}
    state, readings, lat, photo = samples[first]
    assert state == "COLETADA" and lat == pytest.approx(-22.90012)
    from PIL import Image

    stored = Path(app.config["SAAE_SETTINGS"].data_dir) / photo
    assert max(Image.open(stored).size) == 1280  # shrunk on the phone before queueing
    assert readings == {"cloro_residual_livre": "1,1", "turbidez": "0,35", "ph": "7,2",
                        "temperatura": "23"}
    assert samples[second][0] == "PROGRAMADA"
    print(f"service worker controlled the page: {sw}")
