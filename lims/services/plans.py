"""LIMS services: sampling plans (one per system and year), the minimum check against the
standard, approval (refused below the minimum unless a Gestor records a justification) and
the generation of each month's scheduled samples (PROGRAMADA), idempotent."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select

from core.auth import User
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, PermissionDenied, ValidationError
from lims.domain import plans as dom
from lims.domain.samples import SampleState
from lims.models.catalogue import Parameter
from lims.models.plans import PlanItem, PlanState, SamplingPlan, Section
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.samples import Sample, SampleParameter
from lims.services.actor import acting
from lims.services.minimums import minimum_rules_for, traits_of
from lims.services.samples import CodeSeq

JUSTIFY_PERMISSION = "lims.plans.justify"
MIN_JUSTIFICATION = 20


def get(plan_id: int) -> SamplingPlan:
    return get_or_404(SamplingPlan, plan_id, "Plano de amostragem não encontrado.")


def plans(system_id: int | None = None, year: int | None = None) -> list[SamplingPlan]:
    stmt = select(SamplingPlan).order_by(SamplingPlan.year.desc(), SamplingPlan.system_id,
                                         SamplingPlan.version.desc())
    if system_id is not None:
        stmt = stmt.where(SamplingPlan.system_id == system_id)
    if year is not None:
        stmt = stmt.where(SamplingPlan.year == year)
    return list(session.scalars(stmt))


def approved_plan(system_id: int, year: int) -> SamplingPlan | None:
    return session.scalars(select(SamplingPlan).where(
        SamplingPlan.system_id == system_id, SamplingPlan.year == year,
        SamplingPlan.state == PlanState.APPROVED).order_by(SamplingPlan.version.desc())).first()


def _acting(user_id: int | None, reason: str):  # type: ignore[no-untyped-def]
    return acting(user_id, reason)


@transactional
def create_plan(system_id: int, year: int, *, user_id: int | None = None, name: str = "",
                copy_from: int | None = None) -> SamplingPlan:
    system = get_or_404(SupplySystem, system_id, "Sistema não encontrado.")
    if not 2000 <= year <= 2100:
        raise ValidationError("Ano inválido.", fields={"ano": ["Ano inválido."]})
    version = (session.scalar(select(func.max(SamplingPlan.version)).where(
        SamplingPlan.system_id == system_id, SamplingPlan.year == year)) or 0) + 1
    with _acting(user_id, f"plano de amostragem {system.code}/{year} v{version} criado"):
        plan = SamplingPlan(system_id=system_id, year=year, version=version,
                            name=name or f"Plano de amostragem {system.name} {year}",
                            state=PlanState.DRAFT)
        session.add(plan)
        session.flush()
        if copy_from is not None:
            for it in get(copy_from).items:
                if it.active:
                    session.add(PlanItem(plan_id=plan.id, section=it.section,
                                         parameter_id=it.parameter_id, point_id=it.point_id,
                                         frequency=it.frequency, custom_count=it.custom_count,
                                         start_month=it.start_month))
            session.flush()
    return plan


def _draft(plan_id: int) -> SamplingPlan:
    plan = get(plan_id)
    if plan.state is not PlanState.DRAFT and plan.state != "rascunho":
        raise Conflict("Somente um plano em rascunho pode ser alterado; crie uma nova versão.")
    return plan


@transactional
def set_item(plan_id: int, *, parameter_id: int, point_id: int, frequency: str,
             section: str | None = None, custom_count: int | None = None, start_month: int = 1,
             user_id: int | None = None) -> PlanItem:
    """Add or change one line of a draft plan (parameter x point x frequency)."""
    plan = _draft(plan_id)
    errors: dict[str, list[str]] = {}
    try:
        freq = dom.Frequency(frequency)
    except ValueError:
        errors["frequencia"] = ["Frequência inválida."]
        freq = None
    param = session.get(Parameter, parameter_id)
    point = session.get(CollectionPoint, point_id)
    if param is None:
        errors["parametro"] = ["Parâmetro inexistente."]
    if point is None or point.system_id != plan.system_id:
        errors["ponto"] = ["Ponto inexistente ou de outro sistema."]
    elif not point.active:
        errors["ponto"] = ["Ponto inativo."]
    if freq is dom.Frequency.CUSTOM and not (custom_count and 1 <= custom_count <= 400):
        errors["quantidade"] = ["Informe de 1 a 400 amostras por mês."]
    if not 1 <= start_month <= 12:
        errors["mes_inicial"] = ["Mês inválido."]
    if errors:
        raise ValidationError("Verifique a linha do plano.", fields=errors)
    section = section or (Section.TREATMENT if dom.where_of(point.kind) in ("saida", "captacao")
                          else Section.NETWORK)
    if section not in (Section.NETWORK, Section.TREATMENT):
        raise ValidationError("Seção inválida.", fields={"secao": ["rede ou tratamento"]})
    item = session.scalars(select(PlanItem).where(
        PlanItem.plan_id == plan.id, PlanItem.parameter_id == parameter_id,
        PlanItem.point_id == point_id)).first()
    with _acting(user_id, f"plano {plan.id}: {param.code} em {point.code}"):
        if item is None:
            item = PlanItem(plan_id=plan.id, parameter_id=parameter_id, point_id=point_id)
            session.add(item)
        item.section = str(section)
        item.frequency = freq.value
        item.custom_count = custom_count if freq is dom.Frequency.CUSTOM else None
        item.start_month = start_month
        item.active = True
        session.flush()
    return item


@transactional
def remove_item(item_id: int, *, user_id: int | None = None) -> None:
    item = get_or_404(PlanItem, item_id, "Linha do plano não encontrada.")
    _draft(item.plan_id)
    with _acting(user_id, f"plano {item.plan_id}: linha removida"):
        item.active = False
        session.flush()


# -- the minimum check ------------------------------------------------------------------------

def planned_items(plan: SamplingPlan) -> list[dom.PlannedItem]:
    return [dom.PlannedItem(it.parameter.code, dom.where_of(it.point.kind),
                            dom.Frequency(it.frequency), it.custom_count, it.start_month)
            for it in plan.items if it.active]


def minimum_check(plan_id: int) -> dom.CheckResult:
    plan = get(plan_id)
    system = session.get(SupplySystem, plan.system_id)
    return dom.check_minimum(minimum_rules_for(system), planned_items(plan), year=plan.year,
                             population=system.population_served,
                             source_type=system.source_type, system_kind=system.kind,
                             traits=traits_of(system))


@transactional
def approve(plan_id: int, *, user_id: int, justification: str = "",
            generate: tuple[int, int] | None = None) -> SamplingPlan:
    """Approve a draft. Below the standard's minimum it needs a Gestor's written
    justification. Approving supersedes the previously approved version and generates the
    samples of `generate` (year, month), when given."""
    plan = _draft(plan_id)
    if not any(it.active for it in plan.items):
        raise ValidationError("O plano não tem nenhuma linha.", code="plano_vazio")
    result = minimum_check(plan_id)
    justification = (justification or "").strip()
    if not result.ok:
        fails = result.failures
        first = ", ".join(sorted({f"{c.parameter_code} ({c.where})" for c in fails})[:6])
        if not justification:
            msg = (f"O plano esta abaixo do mínimo da Portaria 888 em {len(fails)} mês(es)/"
                   f"parâmetro(s): {first}. Um Gestor pode aprovar registrando uma justificativa.")
            raise ValidationError(msg, code="abaixo_do_minimo",
                                  fields={"justificativa": ["Obrigatória abaixo do mínimo."]})
        user = session.get(User, user_id)
        if user is None or not user.can(JUSTIFY_PERMISSION):
            raise PermissionDenied("Somente um Gestor pode aprovar um plano abaixo do mínimo.")
        if len(justification) < MIN_JUSTIFICATION:
            msg = f"A justificativa deve ter ao menos {MIN_JUSTIFICATION} caracteres."
            raise ValidationError(msg, fields={"justificativa": [msg]})
    why = "plano aprovado" + (f" abaixo do mínimo: {justification}" if not result.ok else "")
    with _acting(user_id, why):
        for old in session.scalars(select(SamplingPlan).where(
                SamplingPlan.system_id == plan.system_id, SamplingPlan.year == plan.year,
                SamplingPlan.state == PlanState.APPROVED, SamplingPlan.id != plan.id)):
            old.state = PlanState.SUPERSEDED
        plan.state = PlanState.APPROVED
        plan.approved_at = utcnow()
        plan.approved_by_id = user_id
        plan.below_minimum = not result.ok
        plan.justification = justification or None
        session.flush()
    if generate is not None:
        generate_month(plan.id, *generate, user_id=user_id)
    return plan


# -- generation -------------------------------------------------------------------------------

def schedule(plan: SamplingPlan, year: int, month: int) -> dict[tuple[int, dt.date, int], dict[str, Any]]:
    """(point_id, day, slot) -> {"section", "parameters"} of the month (pure of the plan)."""
    out: dict[tuple[int, dt.date, int], dict[str, Any]] = {}
    for it in plan.items:
        if not it.active:
            continue
        for day, slot in dom.occurrences(it.frequency, year, month, custom_count=it.custom_count,
                                         start_month=it.start_month, offset=it.point_id % 5):
            cell = out.setdefault((it.point_id, day, slot), {"section": it.section,
                                                              "parameters": []})
            cell["parameters"].append(it.parameter_id)
    return out


@transactional
def generate_month(plan_id: int, year: int, month: int, *,
                   user_id: int | None = None) -> list[Sample]:
    """Create the month's PROGRAMADA samples of an approved plan. Running it again creates
    nothing new: a sample is keyed by (plan, point, planned day, slot), reprogrammed or not."""
    plan = get(plan_id)
    if plan.state is not PlanState.APPROVED and plan.state != "aprovado":
        raise Conflict("Somente um plano aprovado gera amostras.")
    if year != plan.year or not 1 <= month <= 12:
        raise ValidationError(f"O plano e do ano {plan.year}.", fields={"mes": ["Fora do plano."]})
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    existing = {(s.point_id, s.planned_for, s.slot): s for s in session.scalars(
        select(Sample).where(Sample.plan_id == plan.id, Sample.planned_for >= first,
                             Sample.planned_for < nxt))}
    code = CodeSeq()
    created: list[Sample] = []
    with _acting(user_id, f"amostras programadas do plano {plan.id} para {month:02d}/{year}"):
        cells = sorted(schedule(plan, year, month).items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
        for (point_id, day, slot), cell in cells:  # codes follow the calendar
            s = existing.get((point_id, day, slot))
            if s is None:
                s = Sample(code=code(day), state=SampleState.SCHEDULED, point_id=point_id,
                           system_id=plan.system_id, plan_id=plan.id, section=cell["section"],
                           scheduled_for=day, planned_for=day, slot=slot, field_readings={})
                s.parameters = [SampleParameter(parameter_id=i)
                                for i in dict.fromkeys(cell["parameters"])]
                session.add(s)
                created.append(s)
            elif s.state is SampleState.SCHEDULED or s.state == "PROGRAMADA":
                have = {sp.parameter_id for sp in s.parameters}
                for i in dict.fromkeys(cell["parameters"]):
                    if i not in have:
                        s.parameters.append(SampleParameter(parameter_id=i))
        session.flush()
    return created


@transactional
def generate_due(today: dt.date, *, ahead_from_day: int = 20) -> int:
    """The periodic job: every approved plan gets this month's samples and, from day
    `ahead_from_day` on, next month's too (idempotent; returns the samples created)."""
    months = [(today.year, today.month)]
    if today.day >= ahead_from_day:
        months.append((today.year + (today.month == 12), today.month % 12 + 1))
    made = 0
    for year, month in months:
        for plan in session.scalars(select(SamplingPlan).where(
                SamplingPlan.year == year, SamplingPlan.state == PlanState.APPROVED)):
            made += len(generate_month(plan.id, year, month))
    return made


def month_table(plan_id: int) -> list[dict[str, Any]]:
    """What the plan page shows: per (parameter, where), required and planned per month."""
    plan = get(plan_id)
    result = minimum_check(plan_id)
    items = planned_items(plan)
    names = {p.code: p for p in session.scalars(select(Parameter))}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for code, where, cells in result.rows():
        rows[(code, where)] = {"code": code, "where": where,
                               "name": names[code].name if code in names else code,
                               "where_label": WHERE_LABELS.get(where, where),
                               "rule": rule_in_words(cells[0].rule_text),
                               "unverified": cells[0].unverified,
                               "months": [{"month": c.month, "required": c.required,
                                           "planned": c.planned, "ok": c.ok} for c in cells]}
    for it in items:  # planned parameters the standard does not require
        key = (it.parameter_code, it.where)
        if key not in rows:
            rows[key] = {"code": key[0], "where": key[1],
                         "name": names[key[0]].name if key[0] in names else key[0],
                         "where_label": WHERE_LABELS.get(key[1], key[1]),
                         "rule": "sem mínimo na norma", "unverified": False,
                         "months": [{"month": m, "required": 0,
                                     "planned": dom.planned_in_month(items, key[0], key[1],
                                                                     plan.year, m),
                                     "ok": True} for m in range(1, 13)]}
    return [rows[k] for k in sorted(rows)]


WHERE_LABELS = {"saida": "Saída do tratamento", "rede": "Rede de distribuição", "captacao": "Captação"}
_TAG = re.compile(r"\s*\[[^\]]*\]")
_P2914 = re.compile(r"\b2914 Anexo ([IVXL]+)\b")
_P888_ANNEX = re.compile(r"\b888 Anexo (\d+)( saida| rede)?\b")
_ART = re.compile(r"\bArt\. (\d+)(?: par\. (\d+))?")


def rule_in_words(text: str) -> str:
    """The minimum rule as people read it: its legal source in words, no source tags (they
    stay in the data), the revoked Portaria 2.914 named as such."""
    t = _TAG.sub("", text or "").replace(" UNVERIFIED", "").replace("UNVERIFIED", "")
    t = _P2914.sub(lambda m: f"Portaria MS 2.914/2011, Anexo {m.group(1)} (revogada; referência até "
                             "a 888 definir)", t)
    t = _P888_ANNEX.sub(lambda m: "Portaria GM/MS 888/2021, Anexo " + m.group(1)
                        + {" saida": " (saída do tratamento)", " rede": " (rede)"}.get(m.group(2) or "", ""), t)
    t = _ART.sub(lambda m: f"Portaria GM/MS 888/2021, art. {m.group(1)}"
                 + (f", § {m.group(2)}º" if m.group(2) else ""), t)
    return " ".join(t.split())
