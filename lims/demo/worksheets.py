"""The demo's QC (issue 20 parts 1-2): free chlorine and turbidity methods (get-or-create by
code: the qs-methods seed may create them first), an instrument, the QC settings, reference
materials, a worksheet template (blank + duplicate + reference standard), 60 days of
reference readings with Westgard violations in the last weeks, and today's worksheets with the
samples waiting: chlorine held by a failed reference (waiting for the Supervisor), turbidity
open for the bench readings."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.auth import User
from core.db import session, utcnow
from lims.models import worksheets as wsm
from lims.models.catalogue import Parameter
from lims.models.methods import Instrument, Method
from lims.services import qc_registry
from lims.services import worksheets as ws_svc

log = logging.getLogger(__name__)

# (method code, parameter code, name, reference, unit, LD, LQ, material: code, name, value, tol)
METHODS = [
    ("FQ-4500CL-G", "cloro_residual_livre", "Cloro residual livre (DPD colorimétrico)",
     "SMEWW 4500-Cl G", "mg/L", "0.05", "0.10", ("MR-CL-100", "Padrão de cloro 1,00 mg/L", "1.00", "0.10")),
    ("FQ-2130B", "turbidez", "Turbidez (nefelométrico)", "SMEWW 2130 B", "uT", "0.10", "0.20",
     ("MR-TU-10", "Padrão de formazina 10,0 uT", "10.0", "0.5")),
]


def _method(code: str, param_code: str, name: str, ref: str, unit: str, ld: str, lq: str) -> Method | None:
    m = session.scalars(select(Method).where(Method.code == code)).first()
    if m is not None:
        return m
    p = session.scalars(select(Parameter).where(Parameter.code == param_code)).first()
    if p is None:
        return None
    m = Method(code=code, name=name, parameter_id=p.id, reference=ref, unit=unit,
               ld=Decimal(ld), lq=Decimal(lq))
    session.add(m)
    session.flush()
    return m


def _instrument(code: str, name: str, kind: str, today: dt.date) -> Instrument:
    inst = session.scalars(select(Instrument).where(Instrument.code == code)).first()
    if inst is None:
        inst = Instrument(code=code, name=name, kind=kind, serial=f"SN-{code}",
                          location="Laboratório central", calibration_due=today + dt.timedelta(days=120))
        session.add(inst)
        session.flush()
    return inst


DEMO = "demonstração: controle de qualidade do método"


def _qc_of(m: Method, material: tuple[str, str, str, str],
           today: dt.date) -> tuple[wsm.ReferenceMaterial, wsm.WorksheetTemplate]:
    """The method's QC acceptance, reference material and worksheet template, entered through
    the QC registry's services (validated and audited like the lab's own entries)."""
    if m.id not in qc_registry.settings_by_method():
        qc_registry.save_setting(m.id, {"rpd": "10", "branco": "ld"}, user_id=None, reason=DEMO)
    code, name, value, tol = material
    rm = next((r for r in qc_registry.materials(method_id=m.id) if r.code == code), None)
    if rm is None:
        rm = qc_registry.save_material(
            {"codigo": code, "nome": name, "metodo": str(m.id), "valor": value, "tolerancia": tol,
             "unidade": m.unit, "lote": f"L{today:%y}-{117 + len(code)}", "ativo": "1",
             "validade": today + dt.timedelta(days=180), "fornecedor": "Fornecedor certificado"},
            user_id=None, reason=DEMO, today=today)
    tname = f"{m.name}: 20 amostras + branco, duplicata e padrão"
    tpl = next((t for t in qc_registry.templates() if t.name == tname), None)
    if tpl is None:
        tpl = qc_registry.save_template(
            {"nome": tname, "metodo": str(m.id), "amostras": "20", "ativo": "1",
             "tipo_1": wsm.SlotKind.BLANK.value, "posicao_1": "1",
             "tipo_2": wsm.SlotKind.DUPLICATE.value, "posicao_2": "12", "de_2": "5",
             "tipo_3": wsm.SlotKind.REFERENCE.value, "posicao_3": "23", "material_3": str(rm.id)},
            user_id=None, reason=DEMO)
    return rm, tpl


READ_AT = dt.time(13, 0)  # UTC: 10:00 in Brasília, when the demo's lab reads its standards


def _history_values(rm: wsm.ReferenceMaterial, days: int = 60) -> list[float]:
    """In control for six weeks, one reading past 3 s, then a drift upward in the last
    fortnight (2-2s, 4-1s and 10x), all within the material's tolerance."""
    rnd = random.Random(888 + len(rm.code))
    target, sd = float(rm.certified_value), float(rm.tolerance) / 5
    vals = [target + rnd.gauss(0, sd) * 0.9 for _ in range(days)]
    vals[days - 25] = target + 3.4 * sd  # 1-3s
    for i in range(days - 14, days):  # the drift: 10 on one side, two past 2 s
        vals[i] = target + sd * (1.3 + rnd.random() * 0.6)
    vals[days - 6], vals[days - 5] = target + 2.3 * sd, target + 2.5 * sd
    return [round(v, 3) for v in vals]


def _history(m: Method, rm: wsm.ReferenceMaterial, inst: Instrument, today: dt.date,
             analyst_id: int | None) -> None:
    """Sixty daily worksheets with their blank and reference readings (the chart's history)."""
    if session.scalars(select(wsm.Worksheet.id).where(wsm.Worksheet.method_id == m.id).limit(1)).first():
        return
    values = _history_values(rm)
    # one reading a day at 10:00 in Brasília, the newest already past: the chart's window is
    # the last 60 x 24 h, so after 13:00 UTC it holds today's reading and not the 60th day back
    newest = today if utcnow() >= dt.datetime.combine(today, READ_AT, dt.UTC) else (
        today - dt.timedelta(days=1))
    for back, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
        day = newest - dt.timedelta(days=back)
        at = dt.datetime.combine(day, READ_AT, dt.UTC)
        ws = wsm.Worksheet(code=f"PL-{m.code[6:10]}-{day:%y%m%d}", method_id=m.id,
                       state=wsm.WorksheetState.DONE.value, created_by_id=analyst_id,
                       analyst_id=analyst_id, instrument_id=inst.id,
                       reagent_lots=f"reagente lote {day:%y%m}", analysed_at=at,
                       entered_by_id=analyst_id, entered_at=at, qc_passed=True,
                       qc_summary="Todos os controles aprovados.",
                       notes="Histórico de controle de qualidade da demonstração.")
        session.add(ws)
        session.flush()
        session.add_all([
            wsm.WorksheetSlot(worksheet_id=ws.id, position=1, kind=wsm.SlotKind.BLANK.value,
                          value_text="< LD", qc_ok=True, qc_note="branco < LD"),
            wsm.WorksheetSlot(worksheet_id=ws.id, position=2, kind=wsm.SlotKind.REFERENCE.value,
                          reference_material_id=rm.id, value=Decimal(str(value)),
                          value_text=f"{value:.3f}".replace(".", ","), qc_ok=True,
                          qc_note=f"{rm.code} dentro da tolerância")])
    session.flush()


def _today_sheets(m: Method, tpl: wsm.WorksheetTemplate, inst: Instrument, users: dict[str, int],
                  *, held: bool) -> None:
    """Today's bench with the samples waiting for the method: `held`, a worksheet whose
    reference failed (waiting for the Supervisor); otherwise an open one for the readings."""
    analyst = users.get("analista")
    if analyst is None or session.scalars(select(wsm.Worksheet.id).where(
            wsm.Worksheet.method_id == m.id, wsm.Worksheet.state.in_(ws_svc.ACTIVE)).limit(1)).first():
        return
    waiting = [ref.id for ref in ws_svc.candidates(m.id)][: tpl.sample_count]
    if not waiting:
        return
    sheet = ws_svc.create(m.id, user_id=analyst, sample_ids=waiting, template_id=tpl.id,
                          instrument_id=inst.id, reagent_lots="DPD lote A-2291; tampão lote 88"
                          if m.unit == "mg/L" else "padrão de formazina lote F-118")
    if not held:
        return
    rnd = random.Random(20)
    readings: dict[int, str] = {}
    for s in ws_svc.slots(sheet.id):
        readings[s.position] = {wsm.SlotKind.BLANK.value: "< LD",
                                wsm.SlotKind.REFERENCE.value: _off(tpl)}.get(
            s.kind, f"{_typical(m) * (0.8 + rnd.random() * 0.4):.2f}".replace(".", ","))
    for s in ws_svc.slots(sheet.id):
        if s.kind == wsm.SlotKind.DUPLICATE.value:
            readings[s.position] = readings[s.duplicate_of or 0]
    ws_svc.enter_readings(sheet.id, readings, user_id=analyst, confirmed=list(readings))


def _typical(m: Method) -> float:
    return 1.0 if m.unit == "mg/L" else 0.5


def _off(tpl: wsm.WorksheetTemplate) -> str:
    rm = qc_registry.material(next(x["material"] for x in tpl.layout if x.get("material")))
    return f"{float(rm.certified_value + rm.tolerance * 2):.2f}".replace(".", ",")


def seed_demo_worksheets(today: dt.date) -> None:
    """Idempotent: nothing is created twice."""
    users: dict[str, Any] = {u.username: u.id for u in session.scalars(select(User))}
    inst = _instrument("COL-DPD-01", "Colorímetro DPD de bancada", "colorímetro", today)
    turb = _instrument("TUR-01", "Turbidímetro de bancada", "turbidímetro", today)
    for code, pcode, name, ref, unit, ld, lq, material in METHODS:
        m = _method(code, pcode, name, ref, unit, ld, lq)
        if m is None:
            log.warning("parameter %s missing: no demo worksheets for %s", pcode, code)
            continue
        rm, tpl = _qc_of(m, material, today)
        device = inst if unit == "mg/L" else turb
        _history(m, rm, device, today, users.get("analista"))
        _today_sheets(m, tpl, device, users, held=unit == "mg/L")
