"""LIMS services: the labels of a route's bottles (sheet PDF, thermal PDF, ZPL), through labels.api."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import session
from core.errors import (
    NotFound,
)
from lims.models.routes import PreparationRow, Route
from lims.models.samples import Sample
from lims.services import routes
from render import labels


def label_specs(route: Route, *, per_bottle: bool = False) -> list[labels.LabelSpec]:
    """One label per sample (or per bottle) of the route, in visiting order."""
    prep: dict[int, list[PreparationRow]] = {}
    for row in route.preparation:
        if row.bottles:
            prep.setdefault(row.sample_id, []).append(row)
    out = []
    for stop in route.stops:
        s, p = stop.sample, stop.point
        title = (f"{p.code} - {p.name}", stop.area if stop.area != routes.NO_AREA else (p.address or ""))
        params = ", ".join(sp.parameter.name for sp in s.parameters)
        head = f"Coleta {s.scheduled_for:%d/%m/%Y} · {route.code} · parada {stop.position}"
        rows = prep.get(s.id, [])
        if per_bottle and rows:
            n = len(rows)
            for i, row in enumerate(rows, 1):
                bottle = " ".join(filter(None, [row.bottle_type, f"{row.volume_ml} mL" if row.volume_ml else "",
                                                row.preservative]))
                out.append(labels.LabelSpec(s.code, title, (head, f"Frasco {i}/{n}: {bottle}", row.parameters)))
        else:
            out.append(labels.LabelSpec(s.code, title, (head, params)))
    return out


def sample_label_specs(sample_ids: Iterable[int]) -> list[labels.LabelSpec]:
    """Labels of any samples (a reprint at reception, a recoleta), in the order given."""
    ids = list(dict.fromkeys(sample_ids))
    rows = {s.id: s for s in session.scalars(select(Sample).where(Sample.id.in_(ids))
                                             .options(selectinload(Sample.parameters)))}
    points = routes.points_by_id(s.point_id for s in rows.values())
    out = []
    for i in ids:
        s = rows.get(i)
        if s is None:
            raise NotFound(f"Amostra {i} não encontrada.")
        p = points[s.point_id]
        route = session.get(Route, s.route_id) if s.route_id else None
        head = f"Coleta {s.scheduled_for:%d/%m/%Y}" + (f" · {route.code}" if route else "")
        out.append(labels.LabelSpec(s.code, (f"{p.code} - {p.name}", routes.area_of(p)),
                                    (head, ", ".join(sp.parameter.name for sp in s.parameters))))
    return out


def label_layout(slug: str | None) -> labels.SheetLayout:
    """The label layout named by the screens' `formato` (a4, termica, a4-datamatrix,
    a4-65-datamatrix, termica-datamatrix); A4 Code128 by default."""
    return labels.LAYOUTS.get(slug or "a4", labels.A4_3X10)


def labels_pdf(route_id: int, *, thermal: bool = False, per_bottle: bool = False,
               skip: int = 0, layout: labels.SheetLayout | None = None) -> bytes:
    r = routes.get_route(route_id)
    specs = label_specs(r, per_bottle=per_bottle)
    sheet = layout or (labels.THERMAL_50X30 if thermal else labels.A4_3X10)
    if sheet.per_page == 1:
        return labels.render_thermal_pdf(specs, sheet, title=f"Etiquetas {r.code}")
    return labels.render_sheet_pdf(specs, sheet, skip=skip, title=f"Etiquetas {r.code}")


def labels_zpl(route_id: int, *, per_bottle: bool = False, symbology: str = "code128") -> str:
    return labels.render_zpl(label_specs(routes.get_route(route_id), per_bottle=per_bottle),
                             symbology=symbology)
