"""LIMS services: worksheets (issue 20 part 1). The analyst groups samples awaiting one
method's analysis (by hand or from a template with blank, duplicate and reference positions),
prints the bench sheet, types the readings: the samples' results go through
`results.enter_result` (every rule of result entry applies) and the QC positions are judged
by `qc`. A failed QC holds every result of the worksheet (`holds`, kind QC, ref
"planilha:<id>") until a Supervisor accepts with a justification or orders a reanalysis: the
results go back through `validation.reanalyse` and the worksheet is rerun as a new one whose
results supersede the old ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import case, func, select

from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, ValidationError
from lims.domain.vmp import Qualifier, parse_result
from lims.models.catalogue import Parameter
from lims.models.holds import HoldDecision, HoldKind
from lims.models.methods import Instrument, Method
from lims.models.results import Result, SupersedeKind
from lims.models.worksheets import (
    ReferenceMaterial,
    SlotKind,
    Worksheet,
    WorksheetSlot,
    WorksheetState,
    WorksheetTemplate,
)
from lims.services import holds, qc, validation
from lims.services import results as rs
from lims.services.methods import assert_instrument_usable

ACTIVE = (WorksheetState.OPEN.value, WorksheetState.HELD.value)


def get(worksheet_id: int) -> Worksheet:
    return get_or_404(Worksheet, worksheet_id, "Planilha de trabalho não encontrada.")


def slots(worksheet_id: int) -> list[WorksheetSlot]:
    return list(session.scalars(select(WorksheetSlot).where(
        WorksheetSlot.worksheet_id == worksheet_id).order_by(WorksheetSlot.position)))


def listing(limit: int = 100) -> list[Worksheet]:
    """The worksheets waiting for someone (open, held) first, then the newest."""
    waiting = case((Worksheet.state.in_(ACTIVE), 0), else_=1)
    return list(session.scalars(select(Worksheet).order_by(waiting, Worksheet.id.desc())
                                .limit(limit)))


def templates(method_id: int | None = None) -> list[WorksheetTemplate]:
    stmt = select(WorksheetTemplate).where(WorksheetTemplate.active.is_(True))
    if method_id is not None:
        stmt = stmt.where(WorksheetTemplate.method_id == method_id)
    return list(session.scalars(stmt.order_by(WorksheetTemplate.name)))


def methods() -> list[Method]:
    return list(session.scalars(select(Method).where(Method.active.is_(True)).order_by(Method.code)))


def parameter_of(method: Method) -> Parameter:
    return get_or_404(Parameter, method.parameter_id, "Parâmetro do método não encontrado.")


def candidates(method_id: int) -> list[rs.SampleRef]:
    """Samples awaiting this method's parameter and not already on an open or held worksheet."""
    method = get_or_404(Method, method_id, "Método não encontrado.")
    busy = set(session.scalars(select(WorksheetSlot.sample_id).join(
        Worksheet, Worksheet.id == WorksheetSlot.worksheet_id).where(
        Worksheet.method_id == method_id, Worksheet.state.in_(ACTIVE),
        WorksheetSlot.kind == SlotKind.SAMPLE.value)))
    code = parameter_of(method).code
    return [ref for ref, _ps in rs.awaiting_entry(code) if ref.id not in busy]


def layout(template: WorksheetTemplate | None, sample_count: int) -> list[dict]:
    """The positions of a worksheet of `sample_count` samples: the template's QC entries at
    their positions (clamped to the sheet), the samples filling the rest in order."""
    qc_rows = sorted((dict(x) for x in (template.layout if template else [])),
                     key=lambda x: int(x.get("posicao", 0)))
    total = sample_count + len(qc_rows)
    fixed: dict[int, dict] = {}
    for row in qc_rows:
        pos = min(max(int(row.get("posicao", total)), 1), total)
        while pos in fixed:
            pos = pos + 1 if pos < total else 1
        fixed[pos] = row
    out, k = [], 0
    for pos in range(1, total + 1):
        if pos in fixed:
            out.append({"posicao": pos, **{a: b for a, b in fixed[pos].items() if a != "posicao"}})
        else:
            k += 1
            out.append({"posicao": pos, "tipo": SlotKind.SAMPLE.value, "amostra": k})
    return out


def _next_code() -> str:
    n = (session.scalar(select(func.max(Worksheet.id))) or 0) + 1
    return f"PL-{n:05d}"


@transactional
def create(method_id: int, *, user_id: int, sample_ids: Iterable[int] | None = None,
           template_id: int | None = None, analyst_id: int | None = None,
           instrument_id: int | None = None, reagent_lots: str = "") -> Worksheet:
    """A new worksheet of `method_id`: the chosen samples (or the template's N first samples
    waiting), with the template's QC positions."""
    method = get_or_404(Method, method_id, "Método não encontrado.")
    template = get_or_404(WorksheetTemplate, template_id, "Modelo não encontrado.") if template_id else None
    if template is not None and template.method_id != method_id:
        raise ValidationError("O modelo é de outro método.", fields={"modelo": ["Outro método."]})
    if instrument_id:
        assert_instrument_usable(instrument_id, utcnow())
    waiting = {ref.id: ref for ref in candidates(method_id)}
    chosen = list(dict.fromkeys(sample_ids or []))
    if not chosen:
        chosen = list(waiting)[: template.sample_count if template else len(waiting)]
    strange = [sid for sid in chosen if sid not in waiting]
    if strange or not chosen:
        msg = ("Nenhuma amostra aguardando esta análise." if not chosen else
               f"{len(strange)} amostra(s) não aguardam esta análise ou já estão em outra planilha.")
        raise ValidationError(msg, fields={"amostras": [msg]})
    ws = Worksheet(code=_next_code(), method_id=method_id, template_id=template_id,
                   created_by_id=user_id, analyst_id=analyst_id or user_id,
                   instrument_id=instrument_id, reagent_lots=(reagent_lots or "").strip())
    session.add(ws)
    session.flush()
    _add_slots(ws, layout(template, len(chosen)), [waiting[s] for s in chosen], method)
    return ws


def _add_slots(ws: Worksheet, rows: list[dict], refs: list[rs.SampleRef], method: Method) -> None:
    sample_pos = {r["amostra"]: r["posicao"] for r in rows if r["tipo"] == SlotKind.SAMPLE.value}
    default_rm = next(iter(qc.materials(method.id)), None)
    for r in rows:
        kind = SlotKind(r["tipo"])
        s = WorksheetSlot(worksheet_id=ws.id, position=r["posicao"], kind=kind.value)
        if kind is SlotKind.SAMPLE:
            ref = refs[r["amostra"] - 1]
            s.sample_id, s.sample_code = ref.id, ref.code
        elif kind is SlotKind.DUPLICATE:
            k = min(max(int(r.get("de", 1)), 1), len(refs))
            s.duplicate_of, s.sample_id, s.sample_code = sample_pos[k], refs[k - 1].id, refs[k - 1].code
        elif kind is SlotKind.REFERENCE:
            rm = session.get(ReferenceMaterial, r["material"]) if r.get("material") else default_rm
            if rm is None:
                raise ValidationError("Cadastre um material de referência para este método.",
                                      fields={"modelo": ["Sem material de referência."]})
            s.reference_material_id = rm.id
        session.add(s)
    session.flush()


@transactional
def enter_readings(worksheet_id: int, readings: dict[int, str], *, user_id: int,
                   instrument_id: int | None = None, reagent_lots: str | None = None,
                   analysed_at: dt.datetime | None = None,
                   confirmed: Iterable[int] = ()) -> Worksheet:
    """Every position's reading, all or nothing: the samples' results (results.enter_result),
    the QC positions judged; a failed QC holds all the worksheet's results."""
    ws = get(worksheet_id)
    if ws.state != WorksheetState.OPEN.value:
        raise Conflict(f"A planilha {ws.code} não está aberta para leituras.", code="planilha_fechada")
    method = get_or_404(Method, ws.method_id, "Método não encontrado.")
    analysed_at = analysed_at or utcnow()
    ws.instrument_id = instrument_id or ws.instrument_id
    if reagent_lots is not None:
        ws.reagent_lots = reagent_lots.strip()
    if not ws.instrument_id:
        msg = "Informe o instrumento usado na análise."
        raise ValidationError(msg, fields={"instrumento": [msg]})
    inst = assert_instrument_usable(ws.instrument_id, analysed_at)
    rows = slots(ws.id)
    errors = _read_qc_and_check(rows, readings)
    _enter_samples(ws, method, inst, rows, readings, user_id, analysed_at, set(confirmed), errors)
    if errors:
        raise ValidationError(f"{len(errors)} posição(ões) com problema; nada foi gravado.",
                              fields=errors)
    ws.analysed_at, ws.entered_by_id, ws.entered_at = analysed_at, user_id, utcnow()
    _judge(ws, method, rows, analysed_at)
    return ws


def _read_qc_and_check(rows: list[WorksheetSlot], readings: dict[int, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for s in rows:
        text = (readings.get(s.position) or "").strip()
        if not text:
            errors[f"posicao_{s.position}"] = ["Informe a leitura desta posição."]
            continue
        if s.kind == SlotKind.SAMPLE.value:
            continue
        try:
            value, qual = parse_result(text)
        except ValueError:
            errors[f"posicao_{s.position}"] = ["Leitura inválida: use um número (ex.: 0,35), "
                                               "< LD ou < LQ."]
            continue
        s.value, s.value_text = value, text if qual is Qualifier.NONE else qual.value.replace("<", "< ")
    return errors


def _enter_samples(ws: Worksheet, method: Method, inst: Instrument, rows: list[WorksheetSlot],
                   readings: dict[int, str], user_id: int, at: dt.datetime,
                   confirmed: set[int], errors: dict[str, list[str]]) -> None:
    code = parameter_of(method).code
    on_sheet = {s.sample_id for s in rows if s.sample_id is not None}
    pending = {ref.id: (ref, p) for ref, ps in rs.awaiting_entry(code, sample_ids=on_sheet)
               for p in ps if p.code == code}
    previous = _previous_results(ws)
    for s in rows:
        text = (readings.get(s.position) or "").strip()
        if s.kind != SlotKind.SAMPLE.value or not text:
            continue
        if s.sample_id not in pending:
            errors[f"posicao_{s.position}"] = ["A amostra não está aguardando esta análise."]
            continue
        ref, p = pending[s.sample_id]
        try:
            with session.begin_nested():
                r = rs.enter_result(ref, p, text, analysed_at=at, analyst_id=ws.analyst_id or user_id,
                                    entered_by_id=user_id,
                                    # the method and instrument texts come from these ids
                                    method_id=ws.method_id, instrument_id=inst.id,
                                    confirm_implausible=s.position in confirmed,
                                    observation=f"planilha {ws.code}")
        except (ValidationError, Conflict) as exc:
            errors[f"posicao_{s.position}"] = [exc.message]
            continue
        s.result_id, s.value, s.value_text = r.id, r.value, r.value_text
        old = previous.get(s.sample_id)
        if old is not None:  # the rerun's result supersedes the one sent back for reanalysis
            old.superseded_by_id, r.supersedes_id = r.id, old.id
            r.supersede_kind, r.change_reason = SupersedeKind.REANALYSIS.value, old.change_reason


def _previous_results(ws: Worksheet) -> dict[int, Result]:
    if ws.rerun_of_id is None:
        return {}
    ids = [s.result_id for s in slots(ws.rerun_of_id) if s.result_id]
    return {r.sample_id: r for r in session.scalars(select(Result).where(Result.id.in_(ids)))}


def _judge(ws: Worksheet, method: Method, rows: list[WorksheetSlot], at: dt.datetime) -> None:
    by_pos = {s.position: s for s in rows}
    failed = []
    for s in rows:
        if s.kind == SlotKind.SAMPLE.value:
            continue
        qual = Qualifier.NONE if s.value is not None else Qualifier.LT_LD
        s.qc_ok, s.qc_note = qc.judge(method, s, qual, by_pos, at)
        if not s.qc_ok:
            failed.append(f"{SlotKind(s.kind).label} (posição {s.position}): {s.qc_note}")
    ws.qc_passed = not failed
    ws.qc_summary = "; ".join(failed) if failed else "Todos os controles aprovados."
    if failed:
        ws.state = WorksheetState.HELD.value
        reason = f"Planilha {ws.code}: " + "; ".join(failed)
        holds.open_hold([s.result_id for s in rows if s.result_id], HoldKind.QC, reason[:1000],
                        ref=f"planilha:{ws.id}")
    else:
        ws.state = WorksheetState.DONE.value
    session.flush()


def held_results(ws: Worksheet) -> dict[int, list]:
    ids = [s.result_id for s in slots(ws.id) if s.result_id]
    return {rid: [h for h in hs if h.ref == f"planilha:{ws.id}"]
            for rid, hs in holds.undecided(ids).items()}


@transactional
def decide(worksheet_id: int, decision: HoldDecision, justification: str,
           supervisor_id: int) -> Worksheet:
    """The Supervisor's decision on a held worksheet: accept (the results go on to validation)
    or reanalyse (the results are sent back and a new worksheet reruns the same positions).
    Returns the worksheet to work on next (the rerun, or the accepted one)."""
    ws = get(worksheet_id)
    if ws.state != WorksheetState.HELD.value:
        raise Conflict(f"A planilha {ws.code} não está retida.", code="planilha_nao_retida")
    held = held_results(ws)
    hold_ids = [h.id for hs in held.values() for h in hs]
    if not hold_ids:  # decided one by one elsewhere: nothing left for the worksheet to decide
        raise Conflict(f"A planilha {ws.code} não tem resultados retidos a decidir.",
                       code="planilha_sem_retencao")
    with audit_context(reason=f"planilha {ws.code}: {decision.value}: {justification}"):
        holds.decide(hold_ids, decision, justification, supervisor_id)
        if decision is HoldDecision.ACCEPT:
            ws.state = WorksheetState.ACCEPTED.value
            session.flush()
            return ws
        for rid in held:
            validation.reanalyse(rid, f"planilha {ws.code} reprovada no controle de qualidade: "
                                 f"{justification}", supervisor_id)
        ws.state = WorksheetState.RERUN.value
        return _rerun(ws, supervisor_id)


def _rerun(ws: Worksheet, user_id: int) -> Worksheet:
    new = Worksheet(code=_next_code(), method_id=ws.method_id, template_id=ws.template_id,
                    created_by_id=user_id, analyst_id=ws.analyst_id, instrument_id=ws.instrument_id,
                    reagent_lots=ws.reagent_lots, rerun_of_id=ws.id,
                    notes=f"Reanálise da planilha {ws.code}.")
    session.add(new)
    session.flush()
    for s in slots(ws.id):
        session.add(WorksheetSlot(worksheet_id=new.id, position=s.position, kind=s.kind,
                                  sample_id=s.sample_id, sample_code=s.sample_code,
                                  duplicate_of=s.duplicate_of,
                                  reference_material_id=s.reference_material_id))
    session.flush()
    return new


def rerun_of(worksheet_id: int) -> Worksheet | None:
    """The worksheet that reran this one, if a Supervisor ordered a reanalysis."""
    return session.scalars(select(Worksheet).where(Worksheet.rerun_of_id == worksheet_id)).first()
