"""render.svg.map.map_svg keeps the last maps it drew: the same arguments give the same
markup without a new layout, any other argument a map of its own."""

from __future__ import annotations

from render.svg import map as svgmap
from render.svg.map import Label, Look, Mark, map_svg


def test_the_same_map_is_drawn_once(monkeypatch):
    drawn = []
    draw = svgmap._draw
    monkeypatch.setattr(svgmap, "_draw", lambda *a: drawn.append(a) or draw(*a))
    marks = [Mark(-22.9, -47.06, "ETA", name="ETA-1"), Mark(-22.91, -47.07, "Poço", name="PC-1")]
    first = map_svg("Ativos", marks, [Label(-22.905, -47.065, "Centro")])
    again = map_svg("Ativos", list(marks), (Label(-22.905, -47.065, "Centro"),))
    assert again == first and len(drawn) == 1
    moved = map_svg("Ativos", [marks[0], Mark(-22.92, -47.07, "Poço", name="PC-1")],
                    [Label(-22.905, -47.065, "Centro")])
    assert moved != first and len(drawn) == 2
    assert map_svg("Ativos", marks, [Label(-22.905, -47.065, "Centro")],
                   look=Look(width=500)) != first and len(drawn) == 3
    assert map_svg("Outro", marks, [Label(-22.905, -47.065, "Centro")]) != first


def test_the_memo_keeps_only_the_last_maps(monkeypatch):
    monkeypatch.setattr(svgmap, "MEMO_SIZE", 3)
    for i in range(6):
        map_svg(f"Mapa {i}", [Mark(-22.9 - i / 100, -47.0, "x")])
    assert len(svgmap._DRAWN) <= 3
