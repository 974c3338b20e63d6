"""The printed bench sheet of a worksheet (reportlab, A4 portrait): the tender's "Boletim de
Análise" (7.12) with the method, instrument, LD/LQ, reagent lots and the QC acceptance on top,
one row per position with boxes for the readings, and the signatures. Every user string goes
through `render.pdf.text.esc`."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from core import fmt
from core.auth import User
from core.db import session
from lims.models.methods import Instrument, Method
from lims.models.registry import CollectionPoint
from lims.models.samples import Sample
from lims.models.worksheets import ReferenceMaterial, SlotKind, Worksheet, WorksheetSlot
from lims.services import qc, worksheets
from render.pdf.text import esc

_ss = getSampleStyleSheet()
H1 = ParagraphStyle("bs_h1", parent=_ss["Heading1"], fontSize=13, leading=16, spaceAfter=2)
TXT = ParagraphStyle("bs_txt", parent=_ss["Normal"], fontSize=7.5, leading=9.2)
SMALL = ParagraphStyle("bs_small", parent=TXT, fontSize=6.5, leading=8,
                       textColor=colors.HexColor("#444444"))
HEAD = ParagraphStyle("bs_head", parent=TXT, fontName="Helvetica-Bold", fontSize=7, leading=8.5)
GRID = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4ecf2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]


def _r(text: str, style: ParagraphStyle = TXT) -> Paragraph:
    """Markup already escaped by the caller (labels are ours, values go through esc)."""
    return Paragraph(text, style)


def _n(v, unit: str = "") -> str:  # type: ignore[no-untyped-def]
    return esc(qc.shown(v, unit))


def bench_sheet_pdf(worksheet_id: int, *, utility_name: str = "SAAE") -> bytes:
    """The worksheet's bench sheet as PDF bytes."""
    ws = worksheets.get(worksheet_id)
    method = session.get(Method, ws.method_id)
    rows = worksheets.slots(ws.id)
    story = [Paragraph(f"{esc(utility_name)} · Boletim de Análise · planilha <b>{esc(ws.code)}</b>", H1),
             _header(ws, method, rows), Spacer(1, 3 * mm), _positions(method, rows),
             Spacer(1, 2 * mm),
             _r("Leituras 1 e 2: replicatas da leitura do instrumento; resultado: o valor a "
                "registrar no sistema (com a diluição aplicada). Escreva &lt; LD ou &lt; LQ "
                "quando abaixo do limite.", SMALL),
             KeepTogether([Spacer(1, 5 * mm), _signatures()])]
    return _build(story, ws, utility_name)


def _header(ws: Worksheet, m: Method, rows: list[WorksheetSlot]) -> Table:
    inst = session.get(Instrument, ws.instrument_id) if ws.instrument_id else None
    users = {u.id: u.name for u in session.scalars(select(User).where(
        User.id.in_([x for x in (ws.analyst_id, ws.created_by_id) if x])))}
    param = worksheets.parameter_of(m)
    s = qc.setting(m.id)
    rms = [session.get(ReferenceMaterial, x.reference_material_id) for x in rows
           if x.reference_material_id]
    ref_text = "; ".join(
        f"{esc(r.code)} lote {esc(r.lot)}: {_n(r.certified_value)} ± {_n(r.tolerance, r.unit)}, "
        f"validade {fmt.date(r.expires_on)}" for r in dict.fromkeys(rms) if r) or "-"
    inst_text = (f"{esc(inst.code)} · {esc(inst.name)} (calibração válida até "
                 f"{fmt.date(inst.calibration_due) or '-'})" if inst else "_" * 40)
    cells = [
        [_r(f"<b>Método:</b> {esc(m.code)} · {esc(m.name)}"),
         _r(f"<b>Referência:</b> {esc(m.reference) or '-'}")],
        [_r(f"<b>Parâmetro:</b> {esc(param.name)} ({esc(m.unit or param.unit)})"),
         _r(f"<b>LD:</b> {_n(m.ld, m.unit)} · <b>LQ:</b> {_n(m.lq, m.unit)}")],
        [_r(f"<b>Instrumento:</b> {inst_text}"),
         _r(f"<b>Analista:</b> {esc(users.get(ws.analyst_id, '')) or '_' * 30}")],
        [_r(f"<b>Lotes de reagentes:</b> {esc(ws.reagent_lots) or '_' * 50}"),
         _r(f"<b>Planilha criada em:</b> {fmt.date_time(ws.created_at)} por "
            f"{esc(users.get(ws.created_by_id, '-'))}")],
        [_r(f"<b>Material de referência:</b> {ref_text}"),
         _r(f"<b>Aceitação:</b> branco abaixo do {esc(s.blank_limit.upper())}; duplicata com "
            f"diferença relativa até {fmt.number(s.duplicate_max_rpd, 1)} %")],
    ]
    t = Table(cells, colWidths=[110 * mm, 80 * mm])
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                           ("INNERGRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return t


def _sample_facts(rows: list[WorksheetSlot]) -> dict[int, tuple[str, str]]:
    ids = {x.sample_id for x in rows if x.sample_id}
    if not ids:
        return {}
    q = select(Sample.id, Sample.collected_at, CollectionPoint.code, CollectionPoint.name).join(
        CollectionPoint, CollectionPoint.id == Sample.point_id).where(Sample.id.in_(ids))
    return {sid: (f"{code} · {name}", fmt.date_time(at)) for sid, at, code, name in session.execute(q)}


def _what(m: Method, x: WorksheetSlot, by_pos: dict[int, WorksheetSlot],
          facts: dict[int, tuple[str, str]]) -> tuple[str, str, str]:
    """(identification, point or expected value, collection) of one position."""
    if x.kind == SlotKind.SAMPLE.value:
        point, at = facts.get(x.sample_id or 0, ("-", "-"))
        return f"<b>{esc(x.sample_code)}</b>", esc(point), at
    if x.kind == SlotKind.BLANK.value:
        return "Branco", f"esperado abaixo do {esc(qc.setting(m.id).blank_limit.upper())}", ""
    if x.kind == SlotKind.DUPLICATE.value:
        orig = by_pos.get(x.duplicate_of or 0)
        return (f"Dup. de <b>{esc(x.sample_code)}</b>",
                f"da posição {orig.position if orig else '-'}", "")
    rm = session.get(ReferenceMaterial, x.reference_material_id)
    if rm is None:
        return "Padrão", "-", ""
    return (f"<b>{esc(rm.code)}</b> lote {esc(rm.lot)}",
            f"{_n(rm.certified_value)} ± {_n(rm.tolerance, rm.unit)}", "")


def _positions(m: Method, rows: list[WorksheetSlot]) -> Table:
    facts = _sample_facts(rows)
    by_pos = {x.position: x for x in rows}
    head = ["Pos.", "Tipo", "Amostra / controle", "Ponto / valor esperado", "Coleta",
            "Leitura 1", "Leitura 2", "Diluição", f"Resultado ({esc(m.unit)})", "Obs."]
    data = [[_r(h, HEAD) for h in head]]
    shade = []
    for i, x in enumerate(rows, start=1):
        ident, where, at = _what(m, x, by_pos, facts)
        data.append([_r(str(x.position)), _r(esc(SlotKind(x.kind).label), SMALL), _r(ident),
                     _r(where, SMALL), _r(esc(at), SMALL), "", "", "",
                     _r(esc(x.value_text)), ""])
        if x.kind != SlotKind.SAMPLE.value:
            shade.append(("BACKGROUND", (0, i), (4, i), colors.HexColor("#f3f0e6")))
    widths = [9, 17, 30, 42, 20, 15, 15, 12, 16, 14]
    t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1,
              rowHeights=[None] + [8 * mm] * len(rows))
    t.setStyle(TableStyle(GRID + shade))
    return t


def _signatures() -> Table:
    labels = ["Analista (nome e assinatura)", "Data / hora da análise",
              "Conferido por (Supervisor)"]
    t = Table([["", "", ""], [_r(f"<b>{x}</b>", SMALL) for x in labels]],
              colWidths=[63 * mm] * 3, rowHeights=[14 * mm, None])
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                           ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5)]))
    return t


def _build(story: list, ws: Worksheet, utility_name: str) -> bytes:
    buf = io.BytesIO()

    def footer(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillGray(0.35)
        canvas.drawString(10 * mm, 6 * mm, f"Planilha {ws.code} · impresso em "
                                           f"{fmt.date_time(fmt.now_local())}")
        canvas.drawRightString(200 * mm, 6 * mm, f"página {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=9 * mm, bottomMargin=12 * mm,
                            title=f"Boletim de Análise {ws.code}", author=utility_name)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
