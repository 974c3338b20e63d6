"""LIMS services: the documents of a closing scope's month: the pre-/post-closing report as a
table, PDF (reportlab) and XLSX (openpyxl), and the SISAGUA monthly control rows (CSV)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import fmt
from core.db import utcnow
from core.errors import NotFound, ValidationError
from lims.domain import compliance as comp
from lims.domain import sisagua
from lims.models.closing import ClosingLevel
from lims.services import closing, limits, quality
from render.pdf.text import esc


def _n(v: float | None, places: int = 2) -> str:
    if v is None:
        return "-"
    return f"{v:,.{places}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def closing_table(rows: list[closing.ReportRow]) -> tuple[list[str], list[list[str]]]:
    """The pre-/post-closing report as a table (header, rows) shared by PDF and XLSX."""
    head = ["Parâmetro", "Ponto", "Exigidas", "Dispensadas (parada)", "Planejadas", "Coletadas",
            "Analisadas", "Leituras de campo", "Conformes", "Fora do padrão", "Recoletas",
            "Média", "P95", "Regra", "Resultado"]
    body = []
    for r in rows:
        body.append([
            f"{r.parameter_name}" + (f" ({r.unit})" if r.unit else ""), quality.WHERE_LABELS.get(r.where, r.where),
            str(r.required), str(r.excused), str(r.planned), str(r.collected), str(r.analysed),
            str(r.field_readings), str(r.conforming), str(r.nonconforming), str(r.recoletas), _n(r.mean), _n(r.p95),
            r.rule, f"{comp.VERDICT_LABELS.get(r.verdict, r.verdict)}: {r.reason}",
        ])
    return head, body


def render_pdf(title: str, subtitle: str, head: list[str], body: list[list[str]],
               verdict_col: int | None = None, footer: str = "",
               widths_mm: list[float] | None = None) -> bytes:
    """A landscape A4 table report (reportlab), repeated header, page numbers."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    ss = getSampleStyleSheet()
    cell = ss["BodyText"].clone("cell", fontSize=7, leading=8.5)
    # headers a little smaller than the cells: "Dispensadas" must fit a 14 mm count column
    hcell = cell.clone("hcell", fontName="Helvetica-Bold", fontSize=5.8, leading=7,
                       textColor=colors.white)
    data = [[Paragraph(esc(h), hcell) for h in head]]
    data += [[Paragraph(esc(c), cell) for c in row] for row in body]
    table = Table(data, repeatRows=1, colWidths=[w * mm for w in widths_mm] if widths_mm else None)
    style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b4f8a")),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d4d9df")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if verdict_col is not None:
        for i, row in enumerate(body, start=1):
            txt = row[verdict_col].lower()
            if txt.startswith("não conforme"):
                style.append(("BACKGROUND", (verdict_col, i), (verdict_col, i), colors.HexColor("#f7d9d7")))
            elif txt.startswith("conforme"):
                style.append(("BACKGROUND", (verdict_col, i), (verdict_col, i), colors.HexColor("#d8eedd")))
            elif txt.startswith("fora da faixa recomendada"):
                style.append(("BACKGROUND", (verdict_col, i), (verdict_col, i), colors.HexColor("#e6eefa")))
            elif txt.startswith("indeterminado"):
                style.append(("BACKGROUND", (verdict_col, i), (verdict_col, i), colors.HexColor("#fff0c2")))
    table.setStyle(TableStyle(style))

    def page(canvas, _doc):  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(10 * mm, 6 * mm, footer[:180])
        canvas.drawRightString(landscape(A4)[0] - 10 * mm, 6 * mm, f"página {canvas.getPageNumber()}")
        canvas.restoreState()

    story = [Paragraph(esc(title), ss["Title"]), Paragraph(esc(subtitle), ss["Normal"]), Spacer(1, 4 * mm),
             table]
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()


def render_xlsx(title: str, subtitle: str, head: list[str], body: list[list[str]],
                numeric_cols: tuple[int, ...] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31].replace("/", "-")
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([subtitle])
    ws.append([])
    ws.append(head)
    for c in ws[4]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="0B4F8A")
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for row in body:
        out: list[object] = []
        for i, v in enumerate(row):
            if i in numeric_cols:
                try:
                    out.append(int(v))
                    continue
                except ValueError:
                    try:
                        out.append(float(v.replace(".", "").replace(",", ".")))
                        continue
                    except ValueError:
                        pass
            out.append(v)
        ws.append(out)
    for i, h in enumerate(head, start=1):
        ws.column_dimensions[ws.cell(4, i).column_letter].width = max(10, min(48, len(h) + 4))
    ws.freeze_panes = "A5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def month_rows(system_id: int, year: int, month: int, *, level: str = "sistema",
               scope_id: int | None = None) -> tuple[list[closing.ReportRow], bool]:
    """(rows, closed): a closed month's stored rows, else the live pre-closing report."""
    level_ = ClosingLevel(level)
    c = closing.closing_of(system_id, year, month, level_,
                           scope_id if level_ is not ClosingLevel.SYSTEM else None)
    if closing.is_closed_record(c):
        assert c is not None
        return closing.stored_rows(c.id), True
    scope = closing.scope_of(system_id, level_, scope_id)
    return closing.scope_report(system_id, year, month, scope), False


def closing_document(system_id: int, year: int, month: int, file_format: str, *,
                     post: bool = False, level: str = "sistema",
                     scope_id: int | None = None) -> tuple[bytes, str, str]:
    """(content, mimetype, filename) of the pre-closing (or post-closing) report."""
    rows, closed = month_rows(system_id, year, month, level=level, scope_id=scope_id)
    if post and not closed:
        raise NotFound("Este mês não está fechado.")
    if not post and closed:  # the pre-closing view of a closed month is what was closed
        post = True
    kind = "Relatório pos-fechamento" if post else "Relatório pre-fechamento"
    name = quality.system_name(system_id)
    if level != "sistema" and scope_id is not None:
        name += f" - {closing.scope_of(system_id, level, scope_id).name}"
    title = f"{kind} - {name} - {month:02d}/{year}"
    subtitle = (f"Portaria GM/MS 888/2021. {closing.COUNTING_RULE} Regras: versão "
                f"{limits.rules_version()}.")
    head, body = closing_table(rows)
    fname = f"{'pos' if post else 'pre'}-fechamento-{system_id}-{year}-{month:02d}"
    if file_format == "pdf":
        return (render_pdf(title, subtitle, head, body, verdict_col=len(head) - 1,
                           footer=f"Gerado em {fmt.date_time(utcnow())} (horário local)",
                           widths_mm=[30, 21, 13, 15] + [13] * 9 + [41, 36]),
                "application/pdf", fname + ".pdf")
    if file_format == "xlsx":
        return (render_xlsx(title, subtitle, head, body,
                            numeric_cols=(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fname + ".xlsx")
    raise ValidationError("Formato inválido: use pdf ou xlsx.", fields={"formato": ["pdf ou xlsx"]})


SISAGUA_HEAD = ["Ano", "Mês", "Código forma de abastecimento", "Nome da forma de abastecimento",
                "Ponto de monitoramento", "Parâmetro", "Campo", "Valor"]


def sisagua_rows(system_id: int, year: int, month: int) -> list[list[str]]:
    """The SISAGUA monthly control rows of one system: stored with the closing for a closed
    month, computed from the validated results (the same counting rule) while it is open."""
    rows, _closed = month_rows(system_id, year, month)
    name = quality.system_name(system_id)
    code = quality.system_code(system_id)
    out = []
    for r in sorted(rows, key=lambda r: (r.where, r.parameter_code)):
        if r.parameter_code not in sisagua.PARAMETER_LABELS or r.where not in sisagua.POINT_LABELS:
            continue
        for campo, valor in r.sisagua:
            out.append([str(year), str(month), code, name, sisagua.POINT_LABELS[r.where],
                        sisagua.PARAMETER_LABELS[r.parameter_code], campo, valor])
    return out


def sisagua_csv(system_id: int, year: int, month: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(SISAGUA_HEAD)
    w.writerows(sisagua_rows(system_id, year, month))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
