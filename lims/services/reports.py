"""LIMS services: what leaves the lab (quality summary for invoices and the public site,
published results), ETA stoppages and dosing, and the data of the reports of tender 7.13."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from sqlalchemy import select

from core import fmt as ptbr
from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import NotFound, ValidationError
from core.pdf import esc
from lims.domain import compliance as comp
from lims.models.results import DosingConsumption, EtaStoppage, Result, ResultState
from lims.services import closing

log = logging.getLogger(__name__)


def _system_name(system_id: int) -> str:
    from lims.models.registry import SupplySystem

    s = session.get(SupplySystem, system_id)  # identity-map hit after plan_counts: no query
    if s is not None:
        return s.name
    name = session.scalars(select(Result.system_name).where(Result.system_id == system_id)
                           .limit(1)).first()
    return name or f"Sistema {system_id}"


def _more_info() -> str:
    from core.org import current_organization

    org = current_organization()
    if org is None:
        return "Informações sobre a qualidade da água: atendimento do serviço de água."
    parts = [p for p in (org.website, org.phone, org.customer_service) if p]
    return "Mais informações sobre a qualidade da água: " + "; ".join(parts)


def quality_summary(system_id: int, year: int, month: int, *, published_only: bool = True,
                    basic_only: bool = True, level: str = "sistema",
                    scope_id: int | None = None):  # type: ignore[no-untyped-def]
    """One scope's month: the rows stored at closing when that scope's month is closed (the
    same numbers for every reader); computed live only while the month is open."""
    from lims.domain.published import BASIC_PARAMETER_CODES, QualitySummary
    from lims.models.closing import ClosingLevel

    level = ClosingLevel(level)
    codes = BASIC_PARAMETER_CODES if basic_only else None
    sid_ = system_id if level is ClosingLevel.SYSTEM else scope_id
    stored = closing.current_stored(system_id, year, month, level, sid_, codes)
    c = None
    if stored is None:  # open, reopened, or closed without rows: ask the closing itself
        c = closing.closing_of(system_id, year, month, level,
                               scope_id if level is not ClosingLevel.SYSTEM else None)
    if stored is not None or closing._closed(c):
        rows, version = (stored.rows, stored.rules_version) if stored else (
            [], closing.rules_data()["version"])
        system_name = (stored.system_name if stored else None) or _system_name(system_id)
        scope_name = ((stored.scope_name if stored else None)
                      or (c.scope_name if c is not None else None)
                      or (system_name if level is ClosingLevel.SYSTEM else
                          closing.scope_of(system_id, level, scope_id).name))
        sid, closed = sid_, True
    else:
        scope = closing.scope_of(system_id, level, scope_id)
        rows = closing.scope_report(system_id, year, month, scope,
                                    published_only=published_only, codes=codes)
        scope_name, sid, version = scope.name, scope.scope_id, closing.rules_data()["version"]
        system_name = _system_name(system_id)
        closed = False
    return QualitySummary(
        system_id=system_id, system_name=system_name, year=year, month=month,
        level=level.value, closed=closed, parameters=tuple(summarise(rows, BASIC_PARAMETER_CODES)),
        more_info=_more_info(), scope_id=sid, scope_name=scope_name,
        counting_rule=closing.COUNTING_RULE + ("" if closed or not published_only else
                                               " Mês aberto: só resultados já publicados."),
        rules_version=version)


def quality_summaries(keys: list[tuple[int, int, int]], *, published_only: bool = True):  # type: ignore[no-untyped-def]
    """System-level summaries of many (system_id, year, month) at once (the public annual
    report, the open-data summaries): every closed month's stored basic rows in one query;
    only the months without a current closing are computed, one by one."""
    from sqlalchemy import tuple_

    from lims.domain.published import BASIC_PARAMETER_CODES, QualitySummary
    from lims.models.closing import ClosingLevel, MonthSummary

    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    got: dict[tuple[int, int, int], list] = {}
    for r in session.execute(select(
            MonthSummary.system_id, MonthSummary.year, MonthSummary.month, MonthSummary.row,
            MonthSummary.rules_version).where(
            MonthSummary.level == ClosingLevel.SYSTEM.value, MonthSummary.current.is_(True),
            MonthSummary.system_id.in_({k[0] for k in keys}),
            MonthSummary.scope_id == MonthSummary.system_id,
            tuple_(MonthSummary.year, MonthSummary.month).in_({(k[1], k[2]) for k in keys}),
            MonthSummary.parameter_code.in_(BASIC_PARAMETER_CODES)).order_by(MonthSummary.id)):
        got.setdefault((r.system_id, r.year, r.month), []).append(r)
    more = _more_info()
    out = {}
    for key in keys:
        rows = got.get(key)
        if not rows:
            out[key] = quality_summary(*key, published_only=published_only)
            continue
        first = rows[0].row
        name = first.get("_system_name") or _system_name(key[0])
        out[key] = QualitySummary(
            system_id=key[0], system_name=name, year=key[1], month=key[2],
            level=ClosingLevel.SYSTEM.value, closed=True,
            parameters=tuple(summarise([closing.ReportRow.from_dict(r.row) for r in rows],
                                       BASIC_PARAMETER_CODES)),
            more_info=more, scope_id=key[0], scope_name=first.get("_scope_name") or name,
            counting_rule=closing.COUNTING_RULE, rules_version=rows[0].rules_version)
    return out


def summarise(rows: list[closing.ReportRow], first: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Per parameter, the report rows of its point types (saida, rede) as one ParameterSummary."""
    from lims.domain.published import ParameterSummary

    by_code: dict[str, list[closing.ReportRow]] = {}
    for r in rows:
        by_code.setdefault(r.parameter_code, []).append(r)
    order = [c for c in first if c in by_code] + sorted(set(by_code) - set(first))
    out = []
    for code in order:
        rs = by_code[code]
        own = [r for r in rs if not r.duplicate_of]  # the outlet standing in: once
        named = next((r for r in rs if r.where != "filtrada"), rs[0])  # the plain name
        means = [(r.mean, r.analysed) for r in own if r.mean is not None and r.analysed]
        total = sum(n for _m, n in means)
        p95s = [r.p95 for r in own if r.p95 is not None]
        out.append(ParameterSummary(
            parameter_code=code, parameter_name=named.parameter_name, unit=named.unit,
            standard="; ".join(f"{_where(r.where)}: {r.rule}" for r in rs),
            required=sum(r.required for r in own), planned=sum(r.planned for r in own),
            analysed=sum(r.analysed for r in own), conforming=sum(r.conforming for r in own),
            verdict=comp.combine(comp.MonthVerdict(r.verdict) for r in rs).value,
            rule="; ".join(f"{_where(r.where)}: {r.reason}" for r in rs),
            mean=round(sum(m * n for m, n in means) / total, 3) if total else None,
            p95=max(p95s) if p95s else None,
            field_readings=sum(r.field_readings for r in own),
        ))
    return out


def quality_for_connection(system_id: int, year: int, month: int, *,
                           sector_code: str | None = None, neighbourhood: str | None = None,
                           published_only: bool = True):  # type: ignore[no-untyped-def]
    """The summary of the most specific CLOSED scope serving a connection: the reservoir
    scope that holds the connection's sector (or neighbourhood), else the system."""
    from sqlalchemy.orm import aliased

    from lims.models.closing import ClosingLevel, ClosingState, MonthClosing
    from lims.models.registry import CollectionPoint, Unit

    if sector_code or neighbourhood:
        scoped = list(session.scalars(select(MonthClosing).where(
            MonthClosing.system_id == system_id, MonthClosing.year == year,
            MonthClosing.month == month, MonthClosing.level == ClosingLevel.RESERVOIR,
            MonthClosing.state == ClosingState.CLOSED).order_by(MonthClosing.id)))
        if scoped:
            ids = {i for c in scoped for i in (c.point_ids or ())}
            sector = (sector_code or "").casefold()
            hood = (neighbourhood or "").casefold()
            serve: dict[int, set[str]] = {}
            parent = aliased(Unit)
            # a point's unit (sector or one of its segments) names the sector it serves
            for pid, p_hood, u_code, parent_code in session.execute(
                    select(CollectionPoint.id, CollectionPoint.neighbourhood, Unit.code,
                           parent.code)
                    .outerjoin(Unit, Unit.id == CollectionPoint.unit_id)
                    .outerjoin(parent, parent.id == Unit.parent_id)
                    .where(CollectionPoint.id.in_(ids))):
                serve[pid] = {x.casefold() for x in (p_hood, u_code, parent_code) if x}
            for want in (sector, hood):  # the sector is more specific than the neighbourhood
                for c in scoped:
                    if want and any(want in serve.get(pid, ()) for pid in c.point_ids or ()):
                        return quality_summary(system_id, year, month, level=c.level,
                                               scope_id=c.scope_id, published_only=published_only)
    return quality_summary(system_id, year, month, published_only=published_only)


def _where(w: str) -> str:
    return WHERE_PT.get(w, w)


def quality_history(system_id: int, months: int = 12, *, until: tuple[int, int] | None = None,
                    published_only: bool = True):  # type: ignore[no-untyped-def]
    if until is None:
        today = dt.date.today()
        until = (today.year, today.month)
    y, m = until
    out = []
    for _ in range(max(0, months)):
        out.append(quality_summary(system_id, y, m, published_only=published_only))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def published_results(*, point_id: int | None = None, system_id: int | None = None,
                      parameter_code: str | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, limit: int = 100, offset: int = 0):  # type: ignore[no-untyped-def]
    from lims.domain.published import PublishedResult

    stmt = select(Result).where(Result.state == ResultState.PUBLISHED)
    if point_id is not None:
        stmt = stmt.where(Result.point_id == point_id)
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    if parameter_code:
        stmt = stmt.where(Result.parameter_code == parameter_code)
    if since:
        stmt = stmt.where(Result.collected_on >= since)
    if until:
        stmt = stmt.where(Result.collected_on <= until)
    stmt = stmt.order_by(Result.collected_at.desc().nulls_last(), Result.id.desc())
    stmt = stmt.limit(min(max(limit, 1), 1000)).offset(max(offset, 0))
    return [PublishedResult(
        sample_id=r.sample_id, sample_code=r.sample_code, point_id=r.point_id or 0,
        point_name=r.point_name, system_id=r.system_id or 0, collected_at=r.collected_at,
        parameter_code=r.parameter_code, parameter_name=r.parameter_name, value=r.value_text,
        numeric=float(r.value) if r.value is not None else None, unit=r.unit,
        conforming={"conforme": True, "nao_conforme": False}.get(r.verdict),
        standard=r.standard, published_at=r.published_at or r.validated_at or r.created_at,
    ) for r in session.scalars(stmt)]


# -- ETA stoppages and dosing ----------------------------------------------------------------

@transactional
def register_eta_stoppage(eta_code: str, started_at: dt.datetime, *,
                          ended_at: dt.datetime | None = None, reason: str = "",
                          source_ref: str = "", user_id: int | None = None) -> int:
    eta_code = (eta_code or "").strip()
    errors = {}
    if not eta_code:
        errors["eta"] = ["Informe a ETA."]
    if started_at is None or started_at.tzinfo is None:
        errors["inicio"] = ["Informe o início com fuso horário."]
    else:
        now = utcnow()
        earliest = (ptbr.local(now) - dt.timedelta(days=400)).replace(day=1).date()
        if not earliest <= ptbr.local_date(started_at) <= ptbr.local_date(now):
            errors["inicio"] = [f"O início da parada ({ptbr.date_time(started_at)}) deve ficar entre "
                                f"{ptbr.date(earliest)} e agora ({ptbr.date_time(now)}): uma parada "
                                "futura ainda não aconteceu."]
        elif ended_at is not None and ended_at < started_at:
            errors["fim"] = [f"O fim da parada ({ptbr.date_time(ended_at)}) é anterior ao início "
                             f"({ptbr.date_time(started_at)})."]
        elif ended_at is not None and ended_at > now + dt.timedelta(minutes=5):
            errors["fim"] = [f"O fim da parada ({ptbr.date_time(ended_at)}) está no futuro: "
                             "deixe em branco enquanto a ETA estiver parada."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(first if len(errors) == 1 else "Parada de ETA inválida.", fields=errors)
    row = None
    if source_ref:
        row = session.scalars(select(EtaStoppage).where(EtaStoppage.source_ref == source_ref)).first()
    with audit_context(reason=reason or "parada de ETA"):
        if row is None:
            row = EtaStoppage(eta_code=eta_code, started_at=started_at, ended_at=ended_at,
                              reason=reason, source="supervisorio" if source_ref else "manual",
                              source_ref=source_ref or None, created_by_id=user_id)
            session.add(row)
        else:  # redelivered or updated event: same row (idempotent)
            row.started_at = started_at
            if ended_at is not None:
                row.ended_at = ended_at
            if reason:
                row.reason = reason
        session.flush()
    return row.id


@transactional
def end_eta_stoppage(eta_code: str, ended_at: dt.datetime, *, source_ref: str = "") -> None:
    stmt = select(EtaStoppage).where(EtaStoppage.eta_code == eta_code)
    if source_ref:
        stmt = stmt.where(EtaStoppage.source_ref == source_ref)
    else:
        stmt = stmt.where(EtaStoppage.ended_at.is_(None))
    row = session.scalars(stmt.order_by(EtaStoppage.started_at.desc())).first()
    if row is None and source_ref:  # the end may carry another reference than the start
        row = session.scalars(select(EtaStoppage).where(
            EtaStoppage.eta_code == eta_code, EtaStoppage.ended_at.is_(None))
            .order_by(EtaStoppage.started_at.desc())).first()
    if row is None:
        if source_ref:  # end without start (lost start event): record a zero-length stoppage
            register_eta_stoppage(eta_code, ended_at, ended_at=ended_at, source_ref=source_ref,
                                  reason="fim recebido sem início")
            return
        raise NotFound(f"Não ha parada aberta da ETA {eta_code}.")
    if ended_at < row.started_at:
        raise ValidationError("O fim da parada e anterior ao início.",
                              fields={"fim": ["Anterior ao início."]})
    with audit_context(reason="fim de parada de ETA"):
        row.ended_at = ended_at
        session.flush()


def stoppages(limit: int = 200) -> list[EtaStoppage]:
    return list(session.scalars(select(EtaStoppage).order_by(EtaStoppage.started_at.desc())
                                .limit(limit)))


@transactional
def record_dosing(eta_code: str, year: int, month: int, product: str, quantity: Decimal,
                  unit: str = "kg", notes: str | None = None) -> DosingConsumption:
    closing.month_bounds(year, month)
    if not product.strip():
        raise ValidationError("Informe o produto.", fields={"produto": ["Informe o produto."]})
    if quantity is None or quantity < 0:
        raise ValidationError("Quantidade inválida.", fields={"quantidade": ["Quantidade inválida."]})
    row = session.scalars(select(DosingConsumption).where(
        DosingConsumption.eta_code == eta_code, DosingConsumption.year == year,
        DosingConsumption.month == month, DosingConsumption.product == product.strip())).first()
    if row is None:
        row = DosingConsumption(eta_code=eta_code, year=year, month=month,
                                product=product.strip(), quantity=quantity, unit=unit, notes=notes)
        session.add(row)
    else:
        row.quantity, row.unit, row.notes = quantity, unit, notes
    session.flush()
    return row


def now() -> dt.datetime:
    return utcnow()


# -- report documents (HTML data, PDF with reportlab, XLSX with openpyxl) ----------------------

VERDICT_PT = {"conforme": "Conforme", "nao_conforme": "Não conforme", "sem_dados": "Sem dados",
              "indeterminado": "Indeterminado",
              "fora_da_recomendacao": "Fora da faixa recomendada"}
WHERE_PT = {"saida": "Saída do tratamento", "rede": "Rede de distribuição",
            "filtrada": "Pós-filtração ou pré-desinfecção"}


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
            f"{r.parameter_name}" + (f" ({r.unit})" if r.unit else ""), WHERE_PT.get(r.where, r.where),
            str(r.required), str(r.excused), str(r.planned), str(r.collected), str(r.analysed),
            str(r.field_readings), str(r.conforming), str(r.nonconforming), str(r.recoletas), _n(r.mean), _n(r.p95),
            r.rule, f"{VERDICT_PT.get(r.verdict, r.verdict)}: {r.reason}",
        ])
    return head, body


def render_pdf(title: str, subtitle: str, head: list[str], body: list[list[str]],
               verdict_col: int | None = None, footer: str = "",
               widths_mm: list[float] | None = None) -> bytes:
    """A landscape A4 table report (reportlab), repeated header, page numbers."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

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
    from lims.models.closing import ClosingLevel

    level_ = ClosingLevel(level)
    c = closing.closing_of(system_id, year, month, level_,
                           scope_id if level_ is not ClosingLevel.SYSTEM else None)
    if closing._closed(c):
        assert c is not None
        return closing.stored_rows(c.id), True
    scope = closing.scope_of(system_id, level_, scope_id)
    return closing.scope_report(system_id, year, month, scope), False


def closing_document(system_id: int, year: int, month: int, fmt: str, *,
                     post: bool = False, level: str = "sistema",
                     scope_id: int | None = None) -> tuple[bytes, str, str]:
    """(content, mimetype, filename) of the pre-closing (or post-closing) report."""
    rows, closed = month_rows(system_id, year, month, level=level, scope_id=scope_id)
    if post and not closed:
        raise NotFound("Este mês não está fechado.")
    if not post and closed:  # the pre-closing view of a closed month is what was closed
        post = True
    kind = "Relatório pos-fechamento" if post else "Relatório pre-fechamento"
    name = _system_name(system_id)
    if level != "sistema" and scope_id is not None:
        name += f" - {closing.scope_of(system_id, level, scope_id).name}"
    title = f"{kind} - {name} - {month:02d}/{year}"
    subtitle = (f"Portaria GM/MS 888/2021. {closing.COUNTING_RULE} Regras: versão "
                f"{closing.rules_data()['version']}.")
    head, body = closing_table(rows)
    fname = f"{'pos' if post else 'pre'}-fechamento-{system_id}-{year}-{month:02d}"
    if fmt == "pdf":
        return (render_pdf(title, subtitle, head, body, verdict_col=len(head) - 1,
                           footer=f"Gerado em {ptbr.date_time(utcnow())} (horário local)",
                           widths_mm=[30, 21, 13, 15] + [13] * 9 + [41, 36]),
                "application/pdf", fname + ".pdf")
    if fmt == "xlsx":
        return (render_xlsx(title, subtitle, head, body,
                            numeric_cols=(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fname + ".xlsx")
    raise ValidationError("Formato inválido: use pdf ou xlsx.", fields={"formato": ["pdf ou xlsx"]})


def known_systems() -> list[tuple[int, str]]:
    from lims import api

    return [(s.id, s.name) for s in api.systems()]


# -- SISAGUA control data (CSV) ------------------------------------------------------------------

SISAGUA_HEAD = ["Ano", "Mês", "Código forma de abastecimento", "Nome da forma de abastecimento",
                "Ponto de monitoramento", "Parâmetro", "Campo", "Valor"]


def sisagua_rows(system_id: int, year: int, month: int) -> list[list[str]]:
    """The SISAGUA monthly control rows of one system: stored with the closing for a closed
    month, computed from the validated results (the same counting rule) while it is open."""
    from lims.domain import sisagua

    rows, _closed = month_rows(system_id, year, month)
    name = _system_name(system_id)
    code = _system_code(system_id)
    out = []
    for r in sorted(rows, key=lambda r: (r.where, r.parameter_code)):
        if r.parameter_code not in sisagua.PARAMETER_LABELS or r.where not in sisagua.POINT_LABELS:
            continue
        for campo, valor in r.sisagua:
            out.append([str(year), str(month), code, name, sisagua.POINT_LABELS[r.where],
                        sisagua.PARAMETER_LABELS[r.parameter_code], campo, valor])
    return out


def _system_code(system_id: int) -> str:
    from lims import api

    for s in api.systems():
        if s.id == system_id:
            return s.code
    return str(system_id)


def sisagua_csv(system_id: int, year: int, month: int) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(SISAGUA_HEAD)
    w.writerows(sisagua_rows(system_id, year, month))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- non-conformity dashboard by point -----------------------------------------------------------

def nonconformities(system_id: int | None, year: int, month: int) -> list[Result]:
    first, nxt = closing.month_bounds(year, month)
    stmt = select(Result).where(
        Result.collected_on >= first, Result.collected_on < nxt, Result.verdict == "nao_conforme",
        Result.state.in_([ResultState.ENTERED, ResultState.VALIDATED, ResultState.PUBLISHED]))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    return list(session.scalars(stmt.order_by(Result.point_name, Result.collected_at)))


def by_point(rows: list[Result]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.point_name or r.point_code] = counts.get(r.point_name or r.point_code, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def bar_chart_svg(items: list[tuple[str, int]], title: str) -> str:
    """A horizontal bar chart as inline SVG (server-rendered, no JavaScript)."""
    from markupsafe import escape

    if not items:
        return ""
    bar_h, gap, left, width = 22, 8, 230, 640
    top = 30
    height = top + len(items) * (bar_h + gap) + 10
    peak = max(v for _k, v in items) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, v) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = int((width - left - 40) * v / peak)
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                     f'{escape(label if len(label) <= 36 else label[:35] + "…")}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{max(w, 2)}" height="{bar_h}" '
                     'fill="#b3261e"/>')
        parts.append(f'<text x="{left + w + 6}" y="{y + 15}" font-size="12">{v}</text>')
    parts.append("</svg>")
    return "".join(parts)


def nonconformity_table(rows: list[Result]) -> tuple[list[str], list[list[str]]]:
    head = ["Ponto", "Amostra", "Coleta", "Parâmetro", "Resultado", "Padrão", "Situação"]
    body = [[r.point_name, r.sample_code + (" (recoleta)" if r.is_recoleta else ""),
             ptbr.date(r.collected_at), r.parameter_name,
             f"{r.value_text} {r.unit}".strip(), r.standard,
             {"registrado": "aguardando validação", "validado": "validado",
              "publicado": "publicado"}.get(str(r.state), str(r.state))] for r in rows]
    return head, body


# -- the other reports of tender 7.13, as (title, head, body) tables -----------------------------

def _month_results(system_id: int | None, year: int, month: int, *codes: str) -> list[Result]:
    first, nxt = closing.month_bounds(year, month)
    stmt = select(Result).where(Result.collected_on >= first, Result.collected_on < nxt)
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    if codes:
        stmt = stmt.where(Result.parameter_code.in_(codes))
    return list(session.scalars(stmt.order_by(Result.collected_at, Result.id)))


STATE_PT = {"registrado": "Aguardando validação", "validado": "Validado", "publicado": "Publicado",
            "substituido": "Substituído", "cancelado": "Cancelado"}


def report_annual(system_id: int | None, year: int, month: int) -> tuple[str, list[str], list[list[str]]]:
    """Decreto 5.440 annual report data: per basic parameter and month, analysed / conforming."""
    if system_id is None:
        raise ValidationError("Informe o sistema.", fields={"sistema": ["obrigatorio"]})
    head = ["Parâmetro"] + [f"{m:02d}/{year}" for m in range(1, 13)] + ["Total no ano"]
    rows: dict[str, list[str]] = {}
    totals: dict[str, list[int]] = {}
    for m in range(1, 13):
        if dt.date(year, m, 1) > dt.date.today():
            break
        q = quality_summary(system_id, year, m, published_only=False)
        for p in q.parameters:
            rows.setdefault(p.parameter_name, [""] * 12)[m - 1] = (
                f"{p.conforming}/{p.analysed} {VERDICT_PT.get(p.verdict, p.verdict)}")
            t = totals.setdefault(p.parameter_name, [0, 0])
            t[0] += p.conforming
            t[1] += p.analysed
    body = [[name] + cells + [f"{totals[name][0]}/{totals[name][1]} conformes"]
            for name, cells in rows.items()]
    return f"Relatório anual de qualidade da água {year} - {_system_name(system_id)}", head, body


def report_turbidity(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Ponto", "Tipo", "Coleta", "Resultado (uT)", "Padrão", "Situação"]
    rs_ = _month_results(system_id, year, month, "turbidez")
    body = [[r.point_name, r.point_kind or "", ptbr.date_time(r.collected_at),
             r.value_text, r.standard, VERDICT_PT.get(r.verdict, r.verdict)] for r in rs_
            if r.state not in (ResultState.SUPERSEDED, ResultState.CANCELLED)]
    vals = [r.value for r in rs_ if r.value is not None]
    p95 = comp.percentile(vals)
    title = f"Acompanhamento de turbidez {month:02d}/{year}" + (
        f" - P95 {str(p95).replace('.', ',')} uT" if p95 is not None else "")
    return title, head, body


def report_tracking(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Parâmetro", "Aguardando validação", "Validados", "Publicados", "Substituídos",
            "Cancelados", "Fora do padrão"]
    agg: dict[str, list[int]] = {}
    for r in _month_results(system_id, year, month):
        a = agg.setdefault(r.parameter_name, [0] * 6)
        idx = ["registrado", "validado", "publicado", "substituido", "cancelado"].index(str(r.state))
        a[idx] += 1
        if r.verdict == "nao_conforme" and r.counts:
            a[5] += 1
    body = [[k] + [str(x) for x in v] for k, v in sorted(agg.items())]
    return f"Acompanhamento das análises {month:02d}/{year}", head, body


def report_recoletas(system_id, year, month):  # type: ignore[no-untyped-def]
    from lims.models.results import Recoleta

    first, nxt = closing.month_bounds(year, month)
    stmt = select(Recoleta, Result).join(Result, Result.id == Recoleta.original_result_id).where(
        Recoleta.scheduled_for >= first, Recoleta.scheduled_for < nxt + dt.timedelta(days=7))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    head = ["Amostra original", "Parâmetro", "Resultado", "Ponto da recoleta", "Posição",
            "Data prevista", "Situação", "Motivo"]
    body = [[res.sample_code, res.parameter_name, res.value_text, str(rec.point_id), rec.role,
             ptbr.date(rec.scheduled_for), str(rec.state),
             rec.cancel_reason or rec.reason or ""] for rec, res in session.execute(stmt)]
    return f"Acompanhamento de recoletas {month:02d}/{year}", head, body


def report_observations(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Amostra", "Parâmetro", "Resultado", "Situação", "Observação / justificativa"]
    body = [[r.sample_code, r.parameter_name, r.value_text, STATE_PT.get(str(r.state), str(r.state)),
             "; ".join(x for x in (r.observation, r.change_reason,
                                   "valor fora da faixa plausível confirmado"
                                   if r.outside_plausible_confirmed else None) if x)]
            for r in _month_results(system_id, year, month)
            if r.observation or r.change_reason or r.outside_plausible_confirmed]
    return f"Observações das análises {month:02d}/{year}", head, body


def report_vigilancia(system_id, year, month):  # type: ignore[no-untyped-def]
    """The health authority's monthly control form: counts per parameter and point type, then
    every sample outside the standard (SISAGUA 'amostras fora do padrao')."""
    if system_id is None:
        raise ValidationError("Informe o sistema.", fields={"sistema": ["obrigatorio"]})
    head = ["Parâmetro", "Ponto de monitoramento", "Exigidas", "Analisadas", "Conformes",
            "Fora do padrão", "Resultado"]
    body = [[r.parameter_name, WHERE_PT.get(r.where, r.where), str(r.required), str(r.analysed),
             str(r.conforming), str(r.nonconforming), VERDICT_PT.get(r.verdict, r.verdict)]
            for r in month_rows(system_id, year, month)[0]]
    ncs = nonconformities(system_id, year, month)
    if ncs:
        body.append(["AMOSTRAS FORA DO PADRAO", "Ponto", "Data da coleta", "Resultado", "Padrão",
                     "Amostra", "Providência do controle"])
    for r in ncs:
        body.append([r.parameter_name, r.point_name,
                     ptbr.date(r.collected_at), r.value_text,
                     r.standard, r.sample_code, "____________________"])
    return (f"Formulário mensal de controle - {_system_name(system_id)} - {month:02d}/{year}",
            head, body)


REPORTS = {
    "anual": ("Anual (Decreto 5.440)", report_annual),
    "turbidez": ("Turbidez", report_turbidity),
    "acompanhamento": ("Acompanhamento das análises", report_tracking),
    "recoletas": ("Recoletas", report_recoletas),
    "observacoes": ("Observações", report_observations),
    "vigilancia": ("Formulário mensal da vigilância", report_vigilancia),
}
