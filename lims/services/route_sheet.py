"""The printed route sheet (reportlab, A4 landscape): the ordered stops with boxes for the
collector to write time, field readings and signature, then the collection preparation form
(tender 7.12) with the bottle totals to fill the cooler."""

from __future__ import annotations

import io
from collections import Counter

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core import fmt
from lims.models.routes import Route
from lims.services import routes as route_svc
from render.pdf.text import esc as _esc

_ss = getSampleStyleSheet()
H1 = ParagraphStyle("h1", parent=_ss["Heading1"], fontSize=14, leading=17, spaceAfter=2)
H2 = ParagraphStyle("h2", parent=_ss["Heading2"], fontSize=11, leading=14, spaceBefore=4, spaceAfter=3)
TXT = ParagraphStyle("txt", parent=_ss["Normal"], fontSize=7.5, leading=9)
SMALL = ParagraphStyle("small", parent=TXT, fontSize=6.5, leading=8, textColor=colors.HexColor("#444444"))
HEAD = ParagraphStyle("head", parent=TXT, fontName="Helvetica-Bold", fontSize=7, leading=8.5,
                      alignment=TA_CENTER)
GRID = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4ecf2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]


def _p(text: str | None, style: ParagraphStyle = TXT) -> Paragraph:
    return Paragraph(_esc(text).replace("\n", "<br/>"), style)


def _header(route: Route, collector: str, analyst: str, utility: str) -> list:
    meta = [
        [_rich(f"<b>Data:</b> {fmt.date(route.day)}"), _rich(f"<b>Coletor:</b> {_esc(collector)}"),
         _rich(f"<b>Resp. análise:</b> {_esc(analyst) or '-'}"),
         _rich(f"<b>Paradas:</b> {len(route.stops)} · <b>Distância estimada:</b> "
            f"{route.distance_km:.1f} km (linha reta)")],
        [_rich(f"<b>Áreas, na ordem:</b> {_esc(route.area) or '-'}"), "", "",
         _rich("<b>Saída:</b> ____:____  <b>Chegada ao laboratório:</b> ____:____  "
            "<b>Temp. caixa:</b> ______ °C")],
    ]
    t = Table(meta, colWidths=[45 * mm, 70 * mm, 62 * mm, 100 * mm])
    t.setStyle(TableStyle([("SPAN", (0, 1), (2, 1)), ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                           ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    return [Paragraph(f"{_esc(utility)} · Roteiro de coleta <b>{_esc(route.code)}</b>", H1), t, Spacer(1, 3 * mm)]


def _rich(text: str) -> Paragraph:
    return Paragraph(text, TXT)


def route_sheet_pdf(route_id: int, *, utility_name: str = "SAAE") -> bytes:
    """The route sheet and the preparation form of one route, as PDF bytes."""
    route = route_svc.get_route(route_id)
    users = route_svc.users_by_id([route.collector_id, route.analysis_responsible_id])
    collector = users[route.collector_id].name if route.collector_id in users else "-"
    analyst = users[route.analysis_responsible_id].name if route.analysis_responsible_id in users else ""
    story: list = _header(route, collector, analyst, utility_name)
    story.append(_stops_table(route))
    story.append(Spacer(1, 3 * mm))
    story.append(_p("Não coletada: escreva o motivo no campo de observação (a amostra volta a "
                    "ficar pendente para reprogramacao). Registre as mesmas informacoes no "
                    "celular; sem sinal, o aplicativo guarda e envia depois.", SMALL))
    story.append(KeepTogether([Spacer(1, 4 * mm), _signatures()]))
    story.append(PageBreak())
    story += _preparation_form(route, collector, analyst, utility_name)
    story += _bottle_totals(route)
    return _build(story, route, collector, utility_name)


def _bottles_of(route: Route) -> dict[int, list[str]]:
    """Sample id -> the bottles to take for it ("2x Frasco 1 L + tiossulfato")."""
    out: dict[int, list[str]] = {}
    for row in route.preparation:
        if row.bottles:
            vol = f" {row.volume_ml} mL" if row.volume_ml else ""
            pres = f" + {row.preservative}" if row.preservative else ""
            out.setdefault(row.sample_id, []).append(f"{row.bottles}x {row.bottle_type}{vol}{pres}")
    return out


def _stops_table(route: Route) -> Table:
    """The ordered stops, with boxes for time, readings and signature."""
    bottles_of = _bottles_of(route)
    head = ["#", "Amostra", "Ponto", "Endereço / bairro", "Parâmetros", "Frascos", "Hora",
            "Cloro livre\nmg/L", "Turbidez\nuT", "pH", "Temp.\n°C", "Assinatura / observação"]
    rows = [[_p(h, HEAD) for h in head]]
    for stop in route.stops:
        s, p = stop.sample, stop.point
        leg = f"+{stop.leg_km:.1f} km" if stop.leg_km is not None else ""
        where = (f" · {p.latitude:.5f}, {p.longitude:.5f}"
                 if p.latitude is not None and p.longitude is not None else "")
        rows.append([
            _rich(f"<b>{stop.position}</b><br/><font size=6>{leg}</font>"),
            _rich(f"<b>{s.code}</b>" + ("<br/><font size=6>RECOLETA</font>" if s.is_recoleta else "")),
            _rich(f"<b>{_esc(p.code)}</b><br/>{_esc(p.name)}<br/><font size=6>{_esc(p.kind_label)}</font>"),
            _rich(f"{_esc(p.address or '-')}<br/><font size=6.5>{_esc(stop.area)}{where}</font>"),
            _p(", ".join(sp.parameter.name for sp in s.parameters), SMALL),
            _p("\n".join(bottles_of.get(s.id, ["-"])), SMALL),
            "", "", "", "", "", "",
        ])
    widths = [10, 21, 34, 40, 38, 36, 13, 15, 15, 11, 12, 0]
    widths[-1] = 277 - sum(widths[:-1])
    t = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1,
              rowHeights=[None] + [15 * mm] * len(route.stops))
    t.setStyle(TableStyle(GRID + [("BACKGROUND", (6, 1), (10, -1), colors.HexColor("#fbfbf4"))]))
    return t


def _signatures() -> Table:
    sign = Table([["", "", ""], [_p("Coletor", HEAD), _p("Recebido no laboratório por", HEAD),
                                 _p("Data / hora do recebimento", HEAD)]],
                 colWidths=[85 * mm] * 3, rowHeights=[12 * mm, None])
    sign.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                              ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6)]))
    return sign


def _preparation_form(route: Route, collector: str, analyst: str, utility_name: str) -> list:
    """The collection preparation form (tender 7.12): one row per bottle group."""
    story: list = [
        Paragraph(f"{_esc(utility_name)} · Formulário de preparação de coleta · rota <b>{_esc(route.code)}</b>", H1),
        _rich(f"<b>Responsável pela coleta:</b> {_esc(collector)} · <b>Responsável pela "
              f"análise:</b> {_esc(analyst) or '-'} · <b>Data programada:</b> {fmt.date(route.day)}"),
        Spacer(1, 2 * mm)]
    prow = [[_p(h, HEAD) for h in ("#", "Ponto", "Amostra", "Data", "Parâmetros", "Método de análise",
                                   "Frasco", "Preservante", "Volume", "Qtde", "Conf.")]]
    codes = {st.sample_id: st.sample.code for st in route.stops}
    points = {st.point_id: st.point for st in route.stops}
    for r in route.preparation:
        pt = points.get(r.point_id)
        cells = [str(r.position), f"{pt.code} - {pt.name}" if pt else str(r.point_id),
                 codes.get(r.sample_id, ""), f"{r.scheduled_for:%d/%m}", r.parameters,
                 r.methods or "-", r.bottle_type, r.preservative or "-",
                 f"{r.volume_ml} mL" if r.volume_ml else "-", str(r.bottles) if r.bottles else "-", ""]
        prow.append([_p(c, SMALL) for c in cells])
    pt_ = Table(prow, colWidths=[w * mm for w in (9, 42, 21, 12, 55, 50, 30, 26, 14, 10, 8)], repeatRows=1)
    pt_.setStyle(TableStyle(GRID))
    return story + [pt_]


def _bottle_totals(route: Route) -> list:
    """The bottles to put in the cooler, summed by type, volume and preservative."""
    totals: Counter[tuple] = Counter()
    for r in route.preparation:
        if r.bottles:
            totals[(r.bottle_type, r.volume_ml, r.preservative)] += r.bottles
    if not totals:
        return []
    trows = [[_p(h, HEAD) for h in ("Frasco", "Volume", "Preservante", "Quantidade")]]
    for (bottle, vol, pres), n in sorted(totals.items(), key=lambda kv: str(kv[0])):
        trows.append([_p(c) for c in (bottle, f"{vol} mL" if vol else "-", pres or "-", str(n))])
    tt = Table(trows, colWidths=[70 * mm, 25 * mm, 60 * mm, 25 * mm])
    tt.setStyle(TableStyle(GRID))
    return [Paragraph("Frascos a separar", H2), tt]


def _build(story: list, route: Route, collector: str, utility_name: str) -> bytes:
    buf = io.BytesIO()

    def footer(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillGray(0.35)
        canvas.drawString(10 * mm, 6 * mm, f"Rota {route.code} · {fmt.date(route.day)} · {collector}")
        canvas.drawRightString(287 * mm, 6 * mm, f"página {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=9 * mm, bottomMargin=12 * mm, title=f"Rota {route.code}",
                            author=utility_name)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


