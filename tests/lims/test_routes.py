"""Collection routes: ordering (pure), building from the day's samples, preparation form,
route sheet and label PDFs."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from core.auth import Profile
from core.errors import ValidationError
from lims.demo.routes import demo_routes
from lims.domain import routing
from lims.domain.samples import SampleState
from lims.services import route_labels
from render import labels

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "lims"


@pytest.fixture()
def world(db):
    from tests.lims.routes_world import make_world

    return make_world()


def test_order_groups_by_area_then_nearest_neighbour():
    stops = [
        routing.Stop("far-east", "Leste", -22.90, -46.90),
        routing.Stop("centre-b", "Centro", -22.901, -47.061),
        routing.Stop("east", "Leste", -22.90, -46.95),
        routing.Stop("centre-a", "Centro", -22.900, -47.050),
        routing.Stop("nowhere", "Centro", None, None, "zz"),
        routing.Stop("north", "Norte", -22.80, -47.05),
    ]
    legs = routing.order_route(stops, start=(-22.9, -47.049))
    assert [leg.key for leg in legs] == ["centre-a", "centre-b", "nowhere", "north", "east",
                                         "far-east"]
    assert legs[0].km is None and legs[2].km is None and legs[3].km is None
    assert legs[1].km == pytest.approx(1.13, abs=0.05)
    assert routing.haversine_km((-22.9, -47.0), (-22.9, -47.0)) == 0
    assert routing.order_route([]) == []


def test_build_route_orders_releases_and_prepares(world, make_user):
    from lims.services import routes

    collector = make_user(Profile.COLLECTOR, name="João Coletor")
    analyst = make_user(Profile.ANALYST, name="Ana Analista")
    boss = make_user(Profile.SUPERVISOR)
    assert dict(routes.areas_for(world.day)).get("Centro") == 3
    r = routes.build_route(world.day, collector.id, user_id=boss.id, system_id=world.system.id,
                           analysis_responsible_id=analyst.id)
    assert r.code == "R20261203-01"
    order = [st.point.code.split("-")[1] for st in r.stops]
    # Centro nearest the system's coordinates, then Jardim Europa (3.9 km from C2) before Vila
    # Nova (4.8 km); the point without coordinates goes last
    assert order == ["C3", "C1", "C2", "J1", "J2", "V1", "V2", "X1"]
    assert r.area == "Centro, Jardim Europa, Vila Nova, Sem bairro"
    assert r.distance_km > 3
    assert all(st.sample.state == SampleState.AWAITING_COLLECTION for st in r.stops)
    assert all(st.sample.route_id == r.id for st in r.stops)
    # preparation form: per sample a field-reading row, a PE bottle and a sterile bottle
    rows = [p for p in r.preparation if p.sample_id == r.stops[0].sample_id]
    assert sorted(p.bottle_type for p in rows) == ["Frasco PE 500 mL", "Frasco esteril 100 mL",
                                                   "Leitura em campo"]
    sterile = next(p for p in rows if p.bottle_type.startswith("Frasco esteril"))
    assert sterile.preservative == "Tiossulfato de sódio" and sterile.volume_ml == 100
    assert sterile.parameters == "Coliformes totais, Escherichia coli" and sterile.bottles == 1
    assert sterile.collection_responsible == "João Coletor"
    assert sterile.analysis_responsible == "Ana Analista"
    assert "Substrato cromogênico" in sterile.methods
    # nothing left for a second route that day
    with pytest.raises(ValidationError):
        routes.build_route(world.day, collector.id, user_id=boss.id)


def test_build_route_by_area_and_cancel(world, make_user):
    from lims.services import routes

    collector = make_user(Profile.COLLECTOR)
    r1 = routes.build_route(world.day, collector.id, user_id=None, areas=["Vila Nova"])
    assert [st.area for st in r1.stops] == ["Vila Nova", "Vila Nova"]
    r2 = routes.build_route(world.day, collector.id, user_id=None, areas=["Centro", "Jardim Europa"])
    assert r2.code.endswith("-02") and len(r2.stops) == 5
    with pytest.raises(ValidationError):
        routes.cancel_route(r1.id, reason="", user_id=None)
    routes.cancel_route(r1.id, reason="viatura quebrada", user_id=None)
    assert all(st.sample.state == SampleState.SCHEDULED and st.sample.route_id is None
               for st in r1.stops)
    assert dict(routes.areas_for(world.day)) == {"Vila Nova": 2, "Sem bairro": 1}


def _png_pages(pdf: bytes, tmp_path: Path, name: str, dpi: int) -> list[Path]:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(src), str(tmp_path / name)], check=True)
    return sorted(tmp_path.glob(f"{name}-*.png"))


def test_route_sheet_and_labels_pdf(world, make_user, tmp_path):
    from lims.services import route_sheet, routes

    collector = make_user(Profile.COLLECTOR, name="João Coletor")
    r = routes.build_route(world.day, collector.id, user_id=None, system_id=world.system.id)
    pdf = route_sheet.route_sheet_pdf(r.id, utility_name="SAAE Teste")
    assert pdf.startswith(b"%PDF")
    pages = _png_pages(pdf, tmp_path, "rota", 60)
    assert len(pages) >= 2  # the stops, then the preparation form
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "rota.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for needle in ("Roteiro de coleta", r.code, "João Coletor", "Formulário de preparação",
                   "Frasco esteril 100 mL", "Tiossulfato", "Frascos a separar",
                   r.stops[0].sample.code):
        assert needle in text, needle
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(pages, 1):
        shutil.copy(p, ARTIFACTS / f"route_sheet_p{i}.png")

    sheet = route_labels.labels_pdf(r.id)
    lpages = _png_pages(sheet, tmp_path, "etiq", 150)
    assert len(lpages) == 1
    shutil.copy(lpages[0], ARTIFACTS / "route_labels_a4.png")
    codes = {st.sample.code for st in r.stops}
    from PIL import Image

    img = Image.open(lpages[0])
    found = set()
    for slot in range(len(r.stops)):
        x, y = labels.A4_3X10.origin(slot)
        k = 150 / 25.4
        crop = img.crop((round(x * k), round(y * k), round((x + 66) * k), round((y + 28) * k)))
        crop.save(tmp_path / "c.png")
        found |= set(labels.decode((tmp_path / "c.png").read_bytes()))
    assert found == codes
    per_bottle = route_labels.label_specs(r, per_bottle=True)
    assert len(per_bottle) == 2 * len(r.stops)  # PE + sterile; field readings need no bottle
    assert "Frasco 1/2" in per_bottle[0].lines[1]
    zpl = route_labels.labels_zpl(r.id)
    assert zpl.count("^XA") == len(r.stops) and "^BC" in zpl
    thermal = route_labels.labels_pdf(r.id, thermal=True)
    assert len(_png_pages(thermal, tmp_path, "term", 100)) == len(r.stops)

    # DataMatrix, chosen by the layout (tender 7.12 names both symbologies)
    dm_layout = route_labels.label_layout("a4-65-datamatrix")
    assert dm_layout.symbology == "datamatrix"
    dm = _png_pages(route_labels.labels_pdf(r.id, layout=dm_layout), tmp_path, "dm", 200)
    img = Image.open(dm[0])
    found = set()
    for slot in range(len(r.stops)):
        x, y = dm_layout.origin(slot)
        k = 200 / 25.4
        img.crop((round(x * k), round(y * k), round((x + dm_layout.label_width) * k),
                  round((y + dm_layout.label_height) * k))).save(tmp_path / "d.png")
        found |= set(labels.decode((tmp_path / "d.png").read_bytes()))
    assert found == codes
    assert "^BXN" in route_labels.labels_zpl(r.id, symbology="datamatrix")


def test_demo_routes_show_the_day_under_way(db, make_user):
    from core.db import utcnow
    from lims.services import samples as sample_svc
    from tests.lims.routes_world import make_world

    world = make_world(dt.date(2026, 11, 25))
    make_user(Profile.COLLECTOR)
    done = world.samples[:2]
    sample_svc.release_day(world.day, sample_ids=[s.id for s in done])
    for s in done:
        sample_svc.transition(s.id, SampleState.COLLECTED, user_id=None, collected_at=utcnow())
    out = demo_routes(world.day)
    assert len(out) == 1 and out[0].state == "em_campo" and len(out[0].stops) == 8
    assert sorted(st.sample_id for st in out[0].stops if st.outcome) == sorted(s.id for s in done)
    assert demo_routes(world.day) == []


def test_reprint_labels_of_any_samples(world, client, login_as):

    specs = route_labels.sample_label_specs([world.samples[2].id, world.samples[0].id])
    assert [s.code for s in specs] == [world.samples[2].code, world.samples[0].code]
    assert labels.decode(labels.render_label_png(specs[0])) == [world.samples[2].code]
    login_as(Profile.DISTRIBUTOR)
    resp = client.get(f"/lims/etiquetas.pdf?amostra={world.samples[0].id}&formato=termica")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert client.get("/lims/etiquetas.pdf?amostra=999999").status_code == 404
