"""Issue 22: the names and neighbourhood labels of the SVG maps never overlap (greedy
placement, render.svg.placement), on a crowded synthetic map and on the demo's real maps;
the maps of the point and system pages list their destinations beside them (_mapa.html)."""

from __future__ import annotations

import html
import itertools
import random
import re

import pytest

from core.auth.models import Profile
from render.svg.map import Label, Look, Mark, is_bold, layout, map_svg
from render.svg.placement import Box, Want, candidates, mark_box, place, text_box

TEXT = re.compile(r"<text ([^>]*)>([^<]*)</text>")
SVG = re.compile(r'<svg class="mapa".*?</svg>', re.S)
# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db


def _attr(attrs: str, name: str, default: str = "") -> str:
    found = re.search(rf'{name}="([^"]*)"', attrs)
    return found.group(1) if found else default


def _text_boxes(svg: str) -> list[tuple[str, Box]]:
    """Every text of the map but the letters inside marks, as the placement measures it."""
    out = []
    for attrs, text in TEXT.findall(svg):
        if "m-rotulo" in attrs:
            continue
        out.append((html.unescape(text), text_box(
            float(_attr(attrs, "x")), float(_attr(attrs, "y")), html.unescape(text),
            float(_attr(attrs, "font-size", "0")), _attr(attrs, "text-anchor", "start"),
            is_bold(attrs))))
    return out


def _assert_apart(svg: str) -> int:
    boxes = _text_boxes(svg)
    assert all(b.y1 > b.y0 + 1 for _t, b in boxes), "a text without font-size"
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.hits(bb)]
    assert not clashes, clashes
    return len(boxes)


def _crowd(seed: int) -> tuple[list[Mark], list[Label]]:
    rnd = random.Random(seed)
    marks = [Mark(-22.9 + rnd.uniform(-0.02, 0.02), -47.06 + rnd.uniform(-0.02, 0.02),
                  f"Ponto {i}", size=rnd.choice((6, 11)), name=f"Poço {i}",
                  mirror=True, href=f"/p/{i}") for i in range(40)]
    labels = [Label(-22.9 + rnd.uniform(-0.02, 0.02), -47.06 + rnd.uniform(-0.02, 0.02),
                    f"Jardim Bairro {i}") for i in range(25)]
    return marks, labels


@pytest.mark.parametrize("seed", range(5))
def test_crowded_map_places_no_two_texts_over_each_other(seed):
    marks, labels = _crowd(seed)
    look = Look(legend="quadrados: ativos · círculos: incidentes")
    lay = layout(marks, labels, look=look)
    placed = [p for p in [*lay.names, *lay.labels] if p is not None]
    assert len(placed) + len(lay.hidden) == len(marks) + len(labels)
    assert len(placed) > 16  # 65 texts on 400 x 300: a quarter still find room
    for a, b in itertools.combinations(placed, 2):
        assert not a.box.hits(b.box)
    bounds = Box(0, 0, look.width, look.height)
    project_marks = [m for m in marks]
    assert all(p.box.inside(bounds) for p in placed)
    svg = str(map_svg("Mapa", project_marks, labels, look=look))
    assert _assert_apart(svg) == len(placed) + 2  # + the scale bar and the legend
    if lay.hidden:  # the names left out are said in the figure's description
        assert "<desc>Sem espaço no mapa para os nomes: " in svg
        assert html.escape(lay.hidden[0], quote=False) in svg


def test_a_text_moves_round_its_mark_then_takes_a_leader_then_is_left_out():
    bounds = Box(0, 0, 400, 300)
    mark = mark_box(200, 150, 6)
    # the right side is taken: the name goes to the left, no leader
    right = text_box(209, 154, "Outro nome", 13)
    got = place([Want(200, 150, "Nome", 13, clear=7, prefer=(15, 4, "start"))],
                [mark, right], bounds)[0]
    assert got is not None and got.anchor == "end" and got.leader is None
    assert not got.box.hits(right) and not got.box.hits(mark)
    # everything near is taken: farther, joined by a leader line from the mark's edge
    want = Want(200, 150, "A", 13, clear=7)
    near = [text_box(200 + dx, 150 + dy, "A", 13, a) for dx, dy, a, far in candidates(want)
            if not far]
    got = place([want], near, bounds)[0]
    assert got is not None and got.leader is not None
    assert not any(got.box.hits(b) for b in near)
    x0, y0, _x1, _y1 = got.leader
    assert abs(((x0 - 200) ** 2 + (y0 - 150) ** 2) ** 0.5 - 7) < 0.01
    # no room anywhere: left out
    assert place([Want(200, 150, "Nome", 13)], [Box(0, 0, 400, 300)], bounds) == [None]


def test_map_text_sizes_follow_attributes():
    svg = str(map_svg("Ativos", [Mark(-22.9, -47.06, "ETA", shape="square", name="ETA-01",
                                      name_attrs='font-size="10" fill="#343a40"')],
                      [Label(-22.9, -47.06, "Centro")]))
    assert 'font-size="10" fill="#343a40">ETA-01<' in svg and 'font-size="12" class="m-bairro"' in svg


@pytest.fixture()
def demo(db):  # type: ignore[no-untyped-def]
    return db


def test_demo_maps_place_no_two_texts_over_each_other(demo, client, login_as):
    from sqlalchemy import text

    point = demo.execute(text("SELECT min(id) FROM lims_collection_point")).scalar()
    system = demo.execute(text("SELECT system_id FROM lims_collection_point WHERE id = :p"),
                          {"p": point}).scalar()
    pages = ["/portal/mapa", f"/portal/pontos/{point}", f"/portal/sistemas/{system}"]
    seen = 0
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        (svg,) = SVG.findall(body)
        seen += _assert_apart(svg)
        if url != "/portal/mapa":  # the point and system pages list the map's destinations
            nav = re.search(r'<nav class="destinos-mapa".*?</nav>', body, re.S)
            assert nav, url
            links = set(re.findall(r'<a href="([^"]+)"', svg))
            assert links and links == set(re.findall(r'<a href="([^"]+)"', nav.group(0)))
    login_as(Profile.SUPERVISOR)
    body = client.get("/incidentes").get_data(as_text=True)
    (svg,) = SVG.findall(body)
    seen += _assert_apart(svg)
    assert seen > 20  # the demo's neighbourhoods and names were all measured
