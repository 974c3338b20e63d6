"""LIMS services: results entry (per sample, bulk grid, Boletim de Analise transcription).

The sample's facts (point, system, collection time, recoleta flag) and the parameter's standard
arrive as small frozen references (`SampleRef`, `ParameterRef`) built by `resolve_*` from
part 1's registry; the result row keeps a copy of what reports and the public API need, so a
later registry edit never rewrites history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.domain.vmp import (
    Limit,
    Measurement,
    Qualifier,
    check,
    describe_limit,
    describe_result,
    parse_result,
    plausible,
)
from lims.models.results import AnalysisReport, Result, ResultState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParameterRef:
    id: int
    code: str
    name: str
    unit: str
    limit: Limit
    method: str | None = None
    ld: Decimal | None = None
    lq: Decimal | None = None
    plausible_low: Decimal | None = None
    plausible_high: Decimal | None = None
    group: str = ""


@dataclass(frozen=True)
class SampleRef:
    id: int
    code: str
    point_id: int | None
    point_code: str
    point_name: str
    point_kind: str
    system_id: int | None
    system_name: str
    collected_at: dt.datetime | None
    is_recoleta: bool = False
    latitude: float | None = None
    longitude: float | None = None
    neighbourhoods: tuple[str, ...] = field(default_factory=tuple)
    upstream: tuple[int, ...] = ()
    downstream: tuple[int, ...] = ()


def active_result(sample_id: int, parameter_id: int) -> Result | None:
    """The result that currently stands for (sample, parameter): not superseded, not cancelled."""
    return session.scalars(
        select(Result).where(
            Result.sample_id == sample_id, Result.parameter_id == parameter_id,
            Result.state.not_in([ResultState.SUPERSEDED, ResultState.CANCELLED]),
        )
    ).first()


def _measure(text: str, p: ParameterRef) -> tuple[Measurement, str]:
    try:
        value, qual = parse_result(text)
    except ValueError:
        msg = "Resultado invalido: use um numero (ex.: 0,35), < LD, < LQ, Ausente ou Presente."
        raise ValidationError(msg, fields={"valor": [msg]}) from None
    if p.limit.absence and value is not None and value < 0:
        raise ValidationError("Contagem negativa.", fields={"valor": ["Contagem negativa."]})
    m = Measurement(value=value, qualifier=qual, ld=p.ld, lq=p.lq)
    shown = describe_result(m) if qual is not Qualifier.NONE else text.strip()
    return m, shown


def preview(text: str, p: ParameterRef) -> dict[str, object]:
    """What the grid shows at once while typing: conformity and plausibility (no writes)."""
    m, shown = _measure(text, p)
    c = check(m, p.limit)
    return {"valor": shown, "verdict": c.verdict.value, "motivo": c.reason,
            "plausivel": plausible(m.value, p.plausible_low, p.plausible_high),
            "padrao": describe_limit(p.limit, p.unit)}


@transactional
def enter_result(sample: SampleRef, parameter: ParameterRef, text: str, *,
                 analysed_at: dt.datetime | None = None, analyst_id: int | None = None,
                 entered_by_id: int | None = None, method: str | None = None,
                 instrument: str | None = None, report_id: int | None = None,
                 confirm_implausible: bool = False, observation: str | None = None,
                 supersedes: Result | None = None) -> Result:
    """Record one analysis. A second entry for the same parameter needs a correction or a
    reanalysis (history is append-only)."""
    from lims.services import closing

    collected_on = _local_date(sample.collected_at)
    if sample.system_id is not None and collected_on is not None:
        closing.assert_open(sample.system_id, collected_on)
    if supersedes is None and active_result(sample.id, parameter.id) is not None:
        raise Conflict(f"A amostra {sample.code} ja tem resultado de {parameter.name}; "
                       "use correcao ou reanalise.", code="resultado_existente")
    m, shown = _measure(text, parameter)
    if not confirm_implausible and not plausible(m.value, parameter.plausible_low,
                                                 parameter.plausible_high):
        msg = (f"{shown} {parameter.unit} esta fora da faixa plausivel do instrumento; "
               "confirme o valor para registrar.")
        raise ValidationError(msg, code="fora_da_faixa_plausivel", fields={"valor": [msg]})
    now = utcnow()
    analysed_at = analysed_at or now
    if analysed_at > now + dt.timedelta(minutes=5):
        raise ValidationError("A data da analise esta no futuro.",
                              fields={"analisado_em": ["Data no futuro."]})
    if sample.collected_at and analysed_at < sample.collected_at - dt.timedelta(minutes=5):
        raise ValidationError("A data da analise e anterior a coleta.",
                              fields={"analisado_em": ["Anterior a coleta."]})
    c = check(m, parameter.limit)
    r = Result(
        sample_id=sample.id, sample_code=sample.code, parameter_id=parameter.id,
        parameter_code=parameter.code, parameter_name=parameter.name, point_id=sample.point_id,
        point_kind=sample.point_kind, point_code=sample.point_code, point_name=sample.point_name,
        system_id=sample.system_id, system_name=sample.system_name,
        collected_at=sample.collected_at, collected_on=collected_on,
        is_recoleta=sample.is_recoleta, value=m.value, value_text=shown,
        qualifier=m.qualifier.value, unit=parameter.unit, ld=parameter.ld, lq=parameter.lq,
        method=method or parameter.method, instrument=instrument, analysed_at=analysed_at,
        analyst_id=analyst_id or entered_by_id, entered_by_id=entered_by_id, report_id=report_id,
        outside_plausible_confirmed=not plausible(m.value, parameter.plausible_low,
                                                  parameter.plausible_high),
        observation=observation, verdict=c.verdict.value,
        standard=describe_limit(parameter.limit, parameter.unit), state=ResultState.ENTERED,
    )
    session.add(r)
    session.flush()
    if supersedes is None:
        after_entry(sample.id)
    return r


@transactional
def register_report(lab_name: str, report_number: str, report_date: dt.date, *,
                    data_dir: Path, pdf: bytes | None = None, file_name: str | None = None,
                    entered_by_id: int | None = None, notes: str | None = None) -> AnalysisReport:
    """Register an external lab's Boletim de Analise; the PDF is stored under data_dir."""
    errors: dict[str, list[str]] = {}
    if not lab_name.strip():
        errors["laboratorio"] = ["Informe o laboratorio."]
    if not report_number.strip():
        errors["numero"] = ["Informe o numero do boletim."]
    if pdf is not None and not pdf.startswith(b"%PDF"):
        errors["arquivo"] = ["O anexo deve ser um PDF."]
    if errors:
        raise ValidationError("Boletim de analise incompleto.", fields=errors)
    dup = session.scalars(select(AnalysisReport).where(
        AnalysisReport.lab_name == lab_name.strip(),
        AnalysisReport.report_number == report_number.strip())).first()
    if dup:
        raise Conflict(f"O boletim {report_number} de {lab_name} ja foi registrado.")
    rep = AnalysisReport(lab_name=lab_name.strip(), report_number=report_number.strip(),
                         report_date=report_date, entered_by_id=entered_by_id, notes=notes)
    if pdf is not None:
        digest = hashlib.sha256(pdf).hexdigest()
        rel = Path("lims") / "boletins" / f"{digest}.pdf"
        target = Path(data_dir) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf)  # content-addressed: a rollback leaves at most an orphan copy
        rep.file_path, rep.file_name, rep.file_sha256 = str(rel), file_name or "boletim.pdf", digest
    session.add(rep)
    session.flush()
    return rep


def results_of_sample(sample_id: int, *, history: bool = False) -> list[Result]:
    stmt = select(Result).where(Result.sample_id == sample_id).order_by(Result.parameter_name,
                                                                        Result.id)
    rows = list(session.scalars(stmt))
    if history:
        return rows
    return [r for r in rows if r.state not in (ResultState.SUPERSEDED, ResultState.CANCELLED)]


def get(result_id: int) -> Result:
    r = session.get(Result, result_id)
    if r is None:
        raise NotFound("Resultado nao encontrado.")
    return r


def _local_date(ts: dt.datetime | None) -> dt.date | None:
    if ts is None:
        return None
    from zoneinfo import ZoneInfo

    return ts.astimezone(ZoneInfo("America/Sao_Paulo")).date()


def resolve_parameter(parameter_id: int, *, fallback: ParameterRef | None = None) -> ParameterRef:
    """ParameterRef from part 1's catalogue (lims_parameter) when available."""
    try:
        from lims.models import catalogue

        Parameter = getattr(catalogue, "Parameter", None)
        if Parameter is not None:
            p = session.get(Parameter, parameter_id)
            if p is not None:
                return _param_ref(p)
    except Exception:
        log.exception("parameter %s could not be resolved", parameter_id)
    if fallback is None:
        raise NotFound("Parametro nao encontrado.")
    return fallback


def _param_ref(p) -> ParameterRef:  # type: ignore[no-untyped-def]
    def dec(*names: str) -> Decimal | None:
        for n in names:
            v = getattr(p, n, None)
            if v is not None:
                return Decimal(str(v))
        return None

    kind = str(getattr(p, "vmp_kind", "") or getattr(p, "kind", "") or "")
    absence = bool(getattr(p, "presence_absence", False)) or "ausen" in kind or "presen" in kind
    limit = Limit(maximum=dec("vmp_max", "vmp"), minimum=dec("vmp_min"), absence=absence,
                  decimals=getattr(p, "compare_decimals", None))
    return ParameterRef(id=p.id, code=p.code, name=p.name, unit=getattr(p, "unit", "") or "",
                        limit=limit, method=getattr(p, "method", None), ld=dec("ld"),
                        lq=dec("lq"), plausible_low=dec("plausible_min", "plausible_low"),
                        plausible_high=dec("plausible_max", "plausible_high"),
                        group=str(getattr(p, "group", "") or ""))


# -- demo ------------------------------------------------------------------------------------

DEMO_SAMPLE_BASE = 900_000_000  # synthetic sample ids when part 1's samples are not there


def _demo_refs(first: dt.date, last: dt.date) -> list[SampleRef] | None:
    """Part 1's samples of [first, last] as SampleRefs, if its sample service offers them."""
    try:
        from lims.services import samples

        fn = getattr(samples, "demo_sample_refs", None)
        if fn is not None:
            return list(fn(first, last))
    except Exception:
        log.exception("demo sample refs unavailable")
    return None


def seed_demo_results(today: dt.date) -> None:
    """The demo's lab results: the PREVIOUS month entered, validated, published and CLOSED, and
    the current month OPEN and under way (validated up to last week, then awaiting validation).
    Called at the end of part 1's seed_demo; idempotent (does nothing when results exist)."""
    import random

    from core.auth import User
    from core.demo import SYSTEMS
    from lims.services import closing, validation

    if session.scalars(select(Result.id).limit(1)).first() is not None:
        return
    users = {u.username: u.id for u in session.scalars(select(User))}
    analyst = users.get("analista")
    analyst2 = users.get("analista2", analyst)
    supervisor = users.get("supervisor")
    gestor = users.get("gestor", supervisor)
    if analyst is None or supervisor is None:
        log.warning("demo users missing; no demo results")
        return
    rnd = random.Random(5440)
    first_prev = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    params = {
        "turbidez": ParameterRef(9_001, "turbidez", "Turbidez", "uT", Limit(maximum=Decimal("5.0")),
                                 plausible_low=Decimal(0), plausible_high=Decimal(1000)),
        "cloro_residual_livre": ParameterRef(9_002, "cloro_residual_livre", "Cloro residual livre",
                                             "mg/L", Limit(minimum=Decimal("0.2"), maximum=Decimal("5.0")),
                                             ld=Decimal("0.05"), plausible_low=Decimal(0),
                                             plausible_high=Decimal(10)),
        "cor_aparente": ParameterRef(9_003, "cor_aparente", "Cor aparente", "uH",
                                     Limit(maximum=Decimal("15"))),
        "fluoreto": ParameterRef(9_004, "fluoreto", "Fluoreto", "mg/L", Limit(maximum=Decimal("1.5")),
                                 ld=Decimal("0.05")),
        "coliformes_totais": ParameterRef(9_005, "coliformes_totais", "Coliformes totais", "",
                                          Limit(absence=True)),
        "escherichia_coli": ParameterRef(9_006, "escherichia_coli", "Escherichia coli", "",
                                         Limit(absence=True)),
    }
    refs = _demo_refs(first_prev, today)
    if refs is None:  # synthetic samples from the demo geography
        refs = []
        sid = DEMO_SAMPLE_BASE
        from lims import api

        try:
            ids = {s.code: s.id for s in api.systems()}
        except NotImplementedError:
            ids = {}
        for n, system in enumerate(SYSTEMS, start=1):
            system_id = ids.get(system.code, n)
            points = [(system_id * 100 + 1, "saida_tratamento", f"{system.code}-SAI",
                       "Saida do tratamento")] + [
                (system_id * 100 + k, "rede", f"{system.code}-R{k}", f"Rede ponto {k}")
                for k in range(2, 6)]
            d = first_prev
            while d <= today:
                for pid, kind, pcode, pname in points:
                    if kind == "rede" and d.weekday() not in (1, 3):
                        continue
                    sid += 1
                    refs.append(SampleRef(
                        id=sid, code=f"DEMO-{sid - DEMO_SAMPLE_BASE:05d}", point_id=pid,
                        point_code=pcode, point_name=f"{pname} ({system.name})", point_kind=kind,
                        system_id=system_id, system_name=system.name,
                        collected_at=dt.datetime.combine(d, dt.time(11, 0), dt.UTC)))
                d += dt.timedelta(days=1)
    week_ago = today - dt.timedelta(days=7)
    to_validate: list[int] = []
    positive_done = False
    for ref in refs:
        day = ref.collected_at.date() if ref.collected_at else today
        if day > today or (ref.collected_at and ref.collected_at + dt.timedelta(hours=5) > utcnow()):
            continue  # not analysed yet: the current month is under way
        codes = (["turbidez", "cloro_residual_livre", "cor_aparente", "fluoreto"]
                 + (["coliformes_totais", "escherichia_coli"] if ref.point_kind != "saida_tratamento"
                    or day.weekday() in (0, 3) else []))
        for code in codes:
            p = params[code]
            if code in ("coliformes_totais", "escherichia_coli"):
                pos = (code == "coliformes_totais" and not positive_done and day.month == first_prev.month
                       and ref.point_kind == "rede" and day.day >= 12)
                positive_done = positive_done or pos
                text = "Presente" if pos else "Ausente"
            elif code == "turbidez":
                text = f"{rnd.uniform(0.1, 0.45 if ref.point_kind == 'saida_tratamento' else 1.8):.2f}"
            elif code == "cloro_residual_livre":
                text = f"{rnd.uniform(0.6, 1.8):.2f}"
            elif code == "cor_aparente":
                text = f"{rnd.uniform(2, 9):.1f}"
            else:
                text = "< LD" if rnd.random() < 0.05 else f"{rnd.uniform(0.6, 0.85):.2f}"
            r = enter_result(ref, p, text.replace(".", ","),
                             analysed_at=ref.collected_at + dt.timedelta(hours=5) if ref.collected_at else None,
                             analyst_id=analyst if ref.id % 2 else analyst2, entered_by_id=analyst if ref.id % 2 else analyst2)
            if day < week_ago or day < today.replace(day=1):  # the closed month is all validated
                to_validate.append(r.id)
    validation.validate(to_validate, supervisor)
    prev_systems = sorted({r.system_id for r in refs if r.system_id is not None})
    for system_id in prev_systems:
        closing.close_month(system_id, first_prev.year, first_prev.month, user_id=gestor,
                            username="gestor", auto_publish=True)


# -- where the entry screens find samples awaiting analysis ------------------------------------
# Part 1 (samples) registers one function: source(parameter_code | None, sample_id | None)
# -> list[tuple[SampleRef, list[ParameterRef]]] of samples AGUARDANDO ANALISE with the
# parameters still without a result. Until it does, the screens say there is nothing to enter.

_ENTRY_SOURCE = None


def register_entry_source(fn) -> None:  # type: ignore[no-untyped-def]
    global _ENTRY_SOURCE
    _ENTRY_SOURCE = fn


def awaiting_entry(parameter_code: str | None = None,
                   sample_id: int | None = None) -> list[tuple[SampleRef, list[ParameterRef]]]:
    src = _ENTRY_SOURCE
    if src is None:
        try:
            from lims.services import samples

            src = getattr(samples, "awaiting_analysis_refs", None)
        except Exception:
            src = None
    if src is None:
        return []
    out = []
    for ref, params in src(parameter_code, sample_id):
        todo = [p for p in params if active_result(ref.id, p.id) is None]
        if todo:
            out.append((ref, todo))
    return out


@transactional
def enter_grid(parameter_code: str, values: dict[int, str], *, user_id: int,
               confirmed: set[int] = frozenset(), instrument: str | None = None,
               analysed_at: dt.datetime | None = None) -> list[Result]:
    """Bulk grid: one parameter across many samples, all or nothing. Errors are reported per
    sample id in `fields`, and nothing is written when any cell is wrong."""
    pending = {ref.id: (ref, next(p for p in ps if p.code == parameter_code))
               for ref, ps in awaiting_entry(parameter_code)
               if any(p.code == parameter_code for p in ps)}
    errors: dict[str, list[str]] = {}
    out = []
    for sid, text in values.items():
        if not (text or "").strip():
            continue
        if sid not in pending:
            errors[str(sid)] = ["Amostra nao esta aguardando este parametro."]
            continue
        ref, p = pending[sid]
        try:
            with session.begin_nested():
                out.append(enter_result(ref, p, text, analysed_at=analysed_at, analyst_id=user_id,
                                        entered_by_id=user_id, instrument=instrument,
                                        confirm_implausible=sid in confirmed))
        except (ValidationError, Conflict) as exc:
            errors[str(sid)] = [exc.message]
    if errors:
        raise ValidationError(f"{len(errors)} valor(es) com problema; nada foi gravado.",
                              fields=errors)
    return out


# -- sample states driven by results (part 1 owns the state machine) ----------------------------

def sample_state_hook(sample_id: int, state: str, reason: str) -> None:
    """Ask part 1 to move the sample ("AGUARDANDO VALIDACAO", "VALIDADA", "PUBLICADA") through
    its lifecycle, if its sample service offers `on_results_state(sample_id, state, reason)`.
    Errors propagate: the unit of work rolls back, nothing is half-written."""
    try:
        from lims.services import samples
    except ImportError:
        return
    fn = getattr(samples, "on_results_state", None)
    if fn is not None:
        fn(sample_id, state, reason)


def after_entry(sample_id: int) -> None:
    if _ENTRY_SOURCE is None and not _has_source():
        return
    if not awaiting_entry(sample_id=sample_id):
        sample_state_hook(sample_id, "AGUARDANDO VALIDACAO", "todos os resultados registrados")


def _has_source() -> bool:
    try:
        from lims.services import samples
    except ImportError:
        return False
    return getattr(samples, "awaiting_analysis_refs", None) is not None


def after_validation(sample_ids: set[int]) -> None:
    for sid in sample_ids:
        left = session.scalars(select(Result.id).where(Result.sample_id == sid,
                                                       Result.state == ResultState.ENTERED)
                               .limit(1)).first()
        if left is None:
            sample_state_hook(sid, "VALIDADA", "resultados validados")
