"""LIMS views: the proposed minimum plan (a new draft from the proposal), the plan traits of a
system, and what the plan page shows of the generator: the Gestor's edits against the
proposal explained by the minimum check, the updated proposal when the population changed,
the map of sectors with their monthly network samples, and the sources of every rule."""

from __future__ import annotations

import math
from typing import Any

from flask import flash, redirect, request, url_for
from markupsafe import Markup

from core import fmt
from core.auth import require
from core.errors import ValidationError
from core.web import current
from lims.domain import plan_generator as gen
from lims.domain.coverage import SENSITIVE_LABELS
from lims.domain.plan_sources import citations
from lims.domain.plans import FREQUENCY_LABELS
from lims.models.plans import SamplingPlan
from lims.services import plan_generator as svc
from lims.services import plans
from lims.views.blueprints import bp
from render.svg.map import Look, Mark, map_svg

MAP_LOOK = Look(width=900, height=480, legend="círculo: setor (tamanho = amostras/mês); "
                "triângulo vermelho: setor sem ponto; quadrado: ponto de rede")


def _form_ints(*names: str) -> list[int]:
    try:
        return [int(request.form.get(n, "")) for n in names]
    except ValueError:
        raise ValidationError("Escolha o sistema e o ano.",
                              fields={"sistema": ["obrigatório"]}) from None


@bp.route("/planos/propor", methods=["POST"])
@require("lims.plans.edit")
def plan_propose():  # type: ignore[no-untyped-def]
    system_id, year = _form_ints("sistema", "ano")
    plan = svc.create_from_proposal(system_id, year, user_id=current().id)
    flash(f"Plano mínimo proposto criado em rascunho com {len(plan.items)} linha(s); "
          "edite-o à vontade: a verificação do mínimo explica cada diferença.", "sucesso")
    return redirect(url_for("lims.plan_detail", plan_id=plan.id))


@bp.route("/planos/sistemas/<int:system_id>/caracteristicas", methods=["POST"])
@require("lims.plans.edit")
def plan_traits(system_id: int):  # type: ignore[no-untyped-def]
    svc.set_traits(system_id, request.form.getlist("caracteristica"), user_id=current().id)
    flash("Características do sistema gravadas; a proposta considera as novas regras.", "sucesso")
    back = request.form.get("plano", type=int)
    return redirect(url_for("lims.plan_detail", plan_id=back) if back else url_for("lims.plan_list"))


def shape_text(shape: tuple[str, int | None, int] | list[Any] | None) -> str:
    if not shape:
        return "-"
    freq, n, start = shape
    if freq == "personalizada":
        return f"{n} por mês"
    text = FREQUENCY_LABELS.get(freq, freq)  # type: ignore[call-overload]
    if freq in ("bimestral", "trimestral", "semestral", "anual") and start != 1:
        text += f" (a partir de {fmt.MONTHS[start - 1]})"
    return text


def coverage_map(system_id: int) -> dict[str, Any]:
    lay = svc.layout(system_id)
    c = svc.coverage(system_id)
    rows: list[dict[str, Any]] = []
    marks: list[Mark] = []
    for p in lay.points:
        pt = lay.by_id[p.id]
        if p.where == "rede" and pt.latitude is not None and pt.longitude is not None:
            label = SENSITIVE_LABELS.get(p.sensitive or "", "")
            marks.append(Mark(pt.latitude, pt.longitude,
                              f"{pt.code}: {c.per_point.get(p.id, 0)}/mês" + (f" ({label})" if label else ""),
                              shape="square", size=3,
                              paint='fill="#495057" stroke="#212529" stroke-width="1"'))
    for s in lay.sectors:
        n = c.share(s.id)
        empty = s.id in c.empty_sectors
        tip = (f"Setor {s.name}: sem ponto de coleta" if empty
               else f"Setor {s.name}: {n} amostra(s) de rede por mês")
        rows.append({"code": s.code, "name": s.name, "weight": s.weight, "samples": n,
                     "empty": empty, "points": sum(1 for p in lay.points if p.sector_id == s.id
                                                   and p.where == "rede")})
        if s.lat is not None and s.lon is not None:
            marks.append(Mark(s.lat, s.lon, tip, shape="triangle" if empty else "circle",
                              size=7 if empty else 5 + 2 * math.sqrt(n),
                              paint=('fill="#f8d7da" stroke="#b02a37" stroke-width="2"' if empty
                                     else 'fill="#cfe2ff" stroke="#084298" stroke-width="1.5"'),
                              name=f"{s.code}: {'sem ponto' if empty else n}"))
    svg = map_svg("Setores e amostras de rede por mês", marks, look=MAP_LOOK) if marks else Markup("")
    return {"svg": svg, "rows": rows, "empty": [r for r in rows if r["empty"]],
            "unsectored": len(c.unsectored), "total": sum(c.per_sector.values())}


def context(plan: SamplingPlan) -> dict[str, Any]:
    """What the plan page shows of the generator."""
    proposal = svc.propose(plan.system_id, plan.year)
    cited = citations([(src, r.unverified) for r in proposal.rules for src in [r.source]]
                      + [(s, i.unverified) for i in proposal.items for s in i.sources])
    edits = svc.edits(plan.id)
    for e in edits:
        e["before_text"], e["after_text"] = shape_text(e["before"]), shape_text(e["after"])
    update = svc.population_update(plan.id)
    if update:
        for e in update["changes"]:
            e["before_text"], e["after_text"] = shape_text(e["before"]), shape_text(e["after"])
    system = plan.system_id
    return {"edits": edits, "population_change": update, "coverage": coverage_map(system),
            "citations": [{"words": plans.rule_in_words(c.text), "section": c.section,
                           "reliability": c.reliability, "unverified": c.unverified}
                          for c in cited], "notes": proposal.notes, "traits": gen.TRAITS,
            "has_traits": set(svc.get_system(system).plan_traits or ()),
            "from_proposal": plan.proposal is not None, "proposal_size": len(proposal.items)}
