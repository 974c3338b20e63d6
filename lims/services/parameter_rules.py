"""LIMS services: the quality rules of each parameter (issue 20): holding time from collection
to analysis, arrival temperature range, the decision rule of its verdicts (ISO/IEC 17025
7.8.6) and the number of independent verifications before a result counts. Data, not code:
seeded from lims/data/holding_times_v1.toml (source cited, UNVERIFIED tagged) and editable
on screen with history."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core.db import get_or_404, ids_in, session, transactional
from core.errors import ValidationError
from lims.data import as_decimal, reference
from lims.models.catalogue import Parameter
from lims.models.methods import DecisionRule, ParameterRule
from lims.services.actor import acting

RULES_FILE = "holding_times_v1.toml"
MAX_VERIFICATIONS = 3


def rules_data() -> dict[str, Any]:
    return reference(RULES_FILE)


@transactional
def seed_rules() -> int:
    """Add the data file's rules of the parameters that have none yet (idempotent: a rule a
    person edited is left alone). Returns how many were added."""
    data = rules_data()
    params = {p.code: p.id for p in session.scalars(select(Parameter))}
    have = set(session.scalars(select(ParameterRule.parameter_id)))
    added = 0
    with acting(None, f"regras de prazo e temperatura {data['version']}"):
        for row in data["rules"]:
            pid = params.get(row["code"])
            if pid is None or pid in have:
                continue
            session.add(ParameterRule(
                parameter_id=pid, max_hours=as_decimal(row.get("max_hours")),
                temp_min=as_decimal(row.get("temp_min")), temp_max=as_decimal(row.get("temp_max")),
                source=row["source"], unverified=bool(row.get("unverified")),
                version=data["version"]))
            added += 1
        session.flush()
    return added


def rule_of(parameter_id: int) -> ParameterRule | None:
    return session.scalars(select(ParameterRule).where(
        ParameterRule.parameter_id == parameter_id)).first()


def rules_of(parameter_ids: set[int]) -> dict[int, ParameterRule]:
    if not parameter_ids:
        return {}
    return {r.parameter_id: r for r in session.scalars(select(ParameterRule).where(
        ids_in(ParameterRule.parameter_id, sorted(parameter_ids))))}


def decision_rule(parameter_id: int) -> DecisionRule:
    r = rule_of(parameter_id)
    return DecisionRule(r.decision_rule) if r is not None else DecisionRule.VALUE


def verifications_required(parameter_id: int) -> int:
    r = rule_of(parameter_id)
    return r.verifications if r is not None else 1


def listing() -> list[tuple[Parameter, ParameterRule | None]]:
    """Every active parameter with its rule (None: no holding time, value-only, one check),
    those with a rule first."""
    params = list(session.scalars(select(Parameter).where(Parameter.active.is_(True))
                                  .order_by(Parameter.name)))
    rules = rules_of({p.id for p in params})
    return sorted(((p, rules.get(p.id)) for p in params), key=lambda pr: pr[1] is None)


def _number(data: dict[str, Any], key: str, errors: dict[str, list[str]]) -> Decimal | None:
    raw = str(data.get(key) or "").strip()
    if not raw:
        return None
    try:
        v = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        v = None
    if v is None or not v.is_finite():
        errors[key] = ["Informe um número (ex.: 24 ou 4,5)."]
        return None
    return v


@transactional
def save_rule(parameter_id: int, data: dict[str, Any], *, user_id: int | None,
              reason: str = "") -> ParameterRule:
    """Create or change the rule of one parameter (audited with the reason)."""
    p = get_or_404(Parameter, parameter_id, "Parâmetro não encontrado.")
    errors: dict[str, list[str]] = {}
    hours = _number(data, "prazo_horas", errors)
    tmin, tmax = _number(data, "temp_min", errors), _number(data, "temp_max", errors)
    if hours is not None and hours <= 0:
        errors["prazo_horas"] = ["O prazo deve ser maior que zero."]
    if tmin is not None and tmax is not None and tmin >= tmax:
        errors["temp_max"] = ["A temperatura máxima deve ser maior que a mínima."]
    rule = str(data.get("regra_decisao") or DecisionRule.VALUE.value)
    if rule not in {r.value for r in DecisionRule}:
        errors["regra_decisao"] = ["Escolha a regra de decisão."]
    raw_n = str(data.get("verificacoes") or "1").strip()
    n = int(raw_n) if raw_n.isdigit() else 0
    if not 1 <= n <= MAX_VERIFICATIONS:
        errors["verificacoes"] = [f"Informe de 1 a {MAX_VERIFICATIONS} verificações."]
    if errors:
        raise ValidationError(f"Verifique as regras de {p.name}.", fields=errors)
    obj = rule_of(parameter_id) or ParameterRule(parameter_id=parameter_id)
    with acting(user_id, reason.strip() or f"regras de qualidade de {p.name}"):
        obj.max_hours, obj.temp_min, obj.temp_max = hours, tmin, tmax
        obj.decision_rule, obj.verifications = rule, n
        obj.source = str(data.get("fonte") or obj.source or "").strip()[:300]
        obj.unverified = bool(data.get("nao_verificado"))
        session.add(obj)
        session.flush()
    return obj
