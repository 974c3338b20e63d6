"""LIMS services: quality-control samples (issue 20 part 2). The judgement of a worksheet's
blank, duplicate and reference material, the QC settings and reference materials, and the
control charts per method and reference material (Shewhart limits from history, Westgard
rules) for the page and the monthly report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import select

from core import fmt
from core.db import get_or_404, session
from lims.domain import westgard as wg
from lims.domain.vmp import Qualifier, digits
from lims.models.methods import Method
from lims.models.worksheets import (
    QcSetting,
    ReferenceMaterial,
    SlotKind,
    Worksheet,
    WorksheetSlot,
    WorksheetState,
)
from render.svg.line_chart import CONSOLE, Chart, Limit, Look, Point, Tick, line_chart, y_scale

DEFAULT_RPD = Decimal("10")
# the phone's chart: fewer ticks, larger texts for a 390 px screen
NARROW = Look(380, 300, (44, 8, 24, 34), axis_text='font-size="12" fill="#555"',
              limit_text='font-size="11" fill="#c62828"', empty_text='font-size="14" fill="#777"')


def setting(method_id: int) -> QcSetting:
    """The method's QC settings (the defaults when none were recorded: 10 % and the LD)."""
    s = session.scalars(select(QcSetting).where(QcSetting.method_id == method_id)).first()
    return s or QcSetting(method_id=method_id, duplicate_max_rpd=DEFAULT_RPD, blank_limit="ld")


def materials(method_id: int | None = None, *, active_only: bool = True) -> list[ReferenceMaterial]:
    stmt = select(ReferenceMaterial).order_by(ReferenceMaterial.code)
    if method_id is not None:
        stmt = stmt.where(ReferenceMaterial.method_id == method_id)
    if active_only:
        stmt = stmt.where(ReferenceMaterial.active.is_(True))
    return list(session.scalars(stmt))


def shown(v: Decimal | float | None, unit: str = "") -> str:
    """A limit, certified value or tolerance with at least two decimals ("1,00 ± 0,10 mg/L")."""
    if v is None:
        return "-"
    places = max(2, digits(Decimal(str(v)).normalize()))
    return f"{fmt.number(v, places)} {unit}".strip()


# -- judging one worksheet's QC positions ----------------------------------------------------------

def judge(method: Method, slot: WorksheetSlot, qualifier: Qualifier, by_position: dict[int, WorksheetSlot],
          at: dt.datetime) -> tuple[bool, str]:
    """(passed, pt-BR note) of one QC position whose reading is already on the slot."""
    unit = method.unit
    if slot.kind == SlotKind.BLANK:
        which = setting(method.id).blank_limit
        lim = method.lq if which == "lq" else method.ld
        below = qualifier in (Qualifier.LT_LD, Qualifier.LT_LQ)
        ok = wg.blank_ok(slot.value, below, lim)
        return ok, (f"branco {slot.value_text} (limite: abaixo do {which.upper()} "
                    f"{shown(lim, unit)})")
    if slot.kind == SlotKind.DUPLICATE:
        return _judge_duplicate(method, slot, by_position.get(slot.duplicate_of or 0))
    if slot.kind == SlotKind.REFERENCE:
        rm = session.get(ReferenceMaterial, slot.reference_material_id)
        if rm is None:
            return False, "material de referência não encontrado"
        if rm.expires_on < fmt.local_date(at):
            return False, f"material de referência {rm.code} (lote {rm.lot}) vencido em {fmt.date(rm.expires_on)}"
        ok = wg.reference_ok(slot.value, rm.certified_value, rm.tolerance)
        return ok, (f"{rm.code}: lido {slot.value_text}, certificado {shown(rm.certified_value)} ± "
                    f"{shown(rm.tolerance, unit)}")
    return True, ""


def _judge_duplicate(method: Method, slot: WorksheetSlot,
                     original: WorksheetSlot | None) -> tuple[bool, str]:
    if original is None:
        return False, "duplicata sem a amostra de origem"
    limit = setting(method.id).duplicate_max_rpd
    if slot.value is None and original.value is None:  # both below LD/LQ: they agree
        return True, f"duplicata de {original.sample_code}: ambas abaixo do limite"
    if slot.value is None or original.value is None:
        return False, (f"duplicata de {original.sample_code}: {slot.value_text} contra "
                       f"{original.value_text}")
    rpd = wg.relative_difference(slot.value, original.value)
    ok = rpd is not None and rpd <= limit
    return ok, (f"duplicata de {original.sample_code}: diferença relativa "
                f"{fmt.number(rpd, 1) if rpd is not None else '-'} % (limite {fmt.number(limit, 1)} %)")


# -- control charts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartPoint:
    at: dt.datetime
    value: float
    worksheet_code: str


@dataclass(frozen=True)
class ControlChart:
    method: Method
    material: ReferenceMaterial
    points: list[ChartPoint]
    limits: wg.ChartLimits | None
    violations: list[wg.Violation]

    @property
    def rejections(self) -> list[wg.Violation]:
        return [v for v in self.violations if v.rejects]


# the runs whose results were reported (a held or rerun worksheet's reading is an outlier the
# Supervisor already acted on: it would only stretch the chart's scale)
COUNTED = (WorksheetState.DONE, WorksheetState.ACCEPTED)


def control_chart(material_id: int, *, until: dt.datetime | None = None,
                  days: int = 60) -> ControlChart:
    """The reference material's readings over `days` days up to `until`, with limits from the
    first BASELINE readings of that window and the Westgard rules over every reading."""
    rm = get_or_404(ReferenceMaterial, material_id, "Material de referência não encontrado.")
    method = session.get(Method, rm.method_id)
    end = until or dt.datetime.now(dt.UTC)
    rows = session.execute(
        select(WorksheetSlot.value, Worksheet.analysed_at, Worksheet.code)
        .join(Worksheet, Worksheet.id == WorksheetSlot.worksheet_id)
        .where(WorksheetSlot.reference_material_id == material_id,
               WorksheetSlot.kind == SlotKind.REFERENCE.value, WorksheetSlot.value.is_not(None),
               Worksheet.state.in_([s.value for s in COUNTED]),
               Worksheet.analysed_at > end - dt.timedelta(days=days), Worksheet.analysed_at <= end)
        .order_by(Worksheet.analysed_at, Worksheet.id)).all()
    points = [ChartPoint(at, float(v), code) for v, at, code in rows]
    lim = wg.limits([p.value for p in points])
    found = wg.westgard([p.value for p in points], lim) if lim else []
    return ControlChart(method, rm, points, lim, found)


def chart_svg(c: ControlChart, *, narrow: bool = False) -> Markup:
    """The Shewhart chart with the project's SVG line chart: mean, warning (2s) and action (3s)
    lines; a point breaking a Westgard rule is a red cross whose tooltip names the rule."""
    values = [p.value for p in c.points]
    by_index: dict[int, list[str]] = {}
    for v in c.violations:
        by_index.setdefault(v.index, []).append(v.rule)
    pts = [Point(i, p.value, "off" if any(r != "1-2s" for r in by_index.get(i, [])) else "",
                 f"{fmt.date(p.at)} {p.worksheet_code}: {fmt.number(p.value, None)} {c.method.unit}"
                 + (f" (regras {', '.join(by_index[i])})" if i in by_index else ""))
           for i, p in enumerate(c.points)]
    lims: list[Limit] = []
    bounds = list(values)
    if c.limits:
        lo3, hi3 = c.limits.action
        lo2, hi2 = c.limits.warning
        lims = [Limit(hi3, "+3s (ação)"), Limit(hi2, "+2s (alerta)"), Limit(c.limits.mean, "média"),
                Limit(lo2, "-2s (alerta)", below=True), Limit(lo3, "-3s (ação)", below=True)]
        bounds += [lo3, hi3]
    look = NARROW if narrow else CONSOLE
    step = max(1, len(c.points) // (3 if narrow else 8))
    ticks = [Tick(i, fmt.date(p.at)[:5]) for i, p in enumerate(c.points) if i % step == 0]
    title = f"Carta de controle: {c.method.name} · {c.material.code}"
    desc = (f"{len(values)} leituras do material {c.material.code}; " + (
        f"média {fmt.number(c.limits.mean, 3)}, desvio-padrão {fmt.number(c.limits.sd, 3)}; "
        if c.limits else "sem histórico suficiente para os limites; ")
        + f"{len(c.rejections)} violação(ões) das regras de Westgard.")
    chart = Chart(title=title, description=desc, x_range=(-0.5, max(len(values), 1) - 0.5),
                  x_ticks=ticks, y=y_scale(bounds or [0.0, 1.0]), look=look, limits=lims,
                  unit=c.method.unit, empty="Sem leituras do material no período",
                  css_class="grafico carta-controle")
    return line_chart(chart, pts)


def charts(*, until: dt.datetime | None = None, days: int = 60) -> list[ControlChart]:
    """One chart per active reference material (per method and analyte)."""
    return [control_chart(rm.id, until=until, days=days) for rm in materials()]


def violation_rows(c: ControlChart) -> list[list[str]]:
    """One row per point that breaks a rule: date, worksheet, reading, rules, what happened."""
    by_index: dict[int, list[wg.Violation]] = {}
    for v in c.rejections:
        by_index.setdefault(v.index, []).append(v)
    return [[fmt.date(c.points[i].at), c.points[i].worksheet_code,
             f"{fmt.number(c.points[i].value, 3)} {c.method.unit}".strip(),
             ", ".join(v.rule for v in vs), "; ".join(v.text for v in vs)]
            for i, vs in sorted(by_index.items())]


def report_qc(system_id, year, month):  # type: ignore[no-untyped-def]
    """The monthly report's QC section: per method and reference material, the month's
    readings, the chart's limits and each Westgard rejection (`system_id` is not used: the
    lab's QC serves every system)."""
    first = dt.datetime.combine(dt.date(year, month, 1), dt.time(), dt.UTC)
    nxt_y, nxt_m = fmt.month_add(year, month, 1)
    end = dt.datetime.combine(dt.date(nxt_y, nxt_m, 1), dt.time(), dt.UTC)
    head = ["Método", "Material de referência", "Leituras no mês", "Média / desvio-padrão",
            "Limites de alerta (2s)", "Limites de ação (3s)", "Violações de Westgard"]
    body = []
    for rm in materials(active_only=False):
        c = control_chart(rm.id, until=end, days=(end - first).days + 90)
        month_idx = [i for i, p in enumerate(c.points) if p.at >= first]
        if not month_idx:
            continue
        lim = c.limits
        rules = [f"{fmt.date(c.points[v.index].at)} {v.rule}" for v in c.rejections
                 if v.index in month_idx]
        body.append([f"{c.method.code} {c.method.name}", f"{rm.code} (lote {rm.lot})",
                     str(len(month_idx)),
                     f"{fmt.number(lim.mean, 3)} / {fmt.number(lim.sd, 3)}" if lim else "-",
                     " a ".join(fmt.number(x, 3) for x in lim.warning) if lim else "-",
                     " a ".join(fmt.number(x, 3) for x in lim.action) if lim else "-",
                     "; ".join(rules) or "nenhuma"])
    return f"Controle de qualidade analítico {month:02d}/{year}", head, body
