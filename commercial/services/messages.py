"""Personalised invoice messages (seed 004): the rule set a Gestor keeps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from commercial.domain.messages import MessageKind, template_problems
from commercial.models import MessageRule
from core.audit import audit_context
from core.db import session, transactional
from core.errors import NotFound, ValidationError


def _clean_text(data: dict[str, Any], errors: dict[str, list[str]]) -> str:
    text = " ".join((data.get("text") or "").split())
    if len(text) < 5:
        errors["text"] = ["Escreva a mensagem."]
    elif len(text) > 500:
        errors["text"] = ["A mensagem deve ter até 500 caracteres."]
    else:
        probs = template_problems(text)
        if probs:
            errors["text"] = probs
    return text


def _clean_numbers(data: dict[str, Any], errors: dict[str, list[str]]) -> tuple[int, Decimal | None]:
    try:
        priority = int(data.get("priority") or 100)
    except ValueError:
        errors["priority"] = ["Prioridade deve ser um número."]
        priority = 100
    threshold = None
    if data.get("threshold_percent"):
        try:
            threshold = Decimal(str(data["threshold_percent"]).replace(",", "."))
        except Exception:  # noqa: BLE001
            errors["threshold_percent"] = ["Percentual inválido."]
    return priority, threshold


def _clean_dates(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, dt.date | None]:
    dates = {}
    for k in ("valid_from", "valid_to"):
        v = data.get(k)
        try:
            dates[k] = dt.date.fromisoformat(v) if v else None
        except ValueError:
            errors[k] = ["Data inválida."]
            dates[k] = None
    if dates.get("valid_from") and dates.get("valid_to") and dates["valid_to"] < dates["valid_from"]:
        errors["valid_to"] = ["O fim e anterior ao início."]
    return dates


@transactional
def save_message(data: dict[str, Any], rule_id: int | None) -> MessageRule:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind") or ""
    if kind not in MessageKind._value2member_map_:
        errors["kind"] = ["Tipo de mensagem desconhecido."]
    title = " ".join((data.get("title") or "").split())[:120]
    if not title:
        errors["title"] = ["Informe um título."]
    text = _clean_text(data, errors)
    priority, threshold = _clean_numbers(data, errors)
    dates = _clean_dates(data, errors)
    hoods = [h.strip() for h in (data.get("neighbourhoods") or "").split(",") if h.strip()]
    sectors = [h.strip() for h in (data.get("sector_codes") or "").split(",") if h.strip()]
    if kind == MessageKind.LOCATION and not (hoods or sectors):
        errors["neighbourhoods"] = ["Mensagem por localização precisa de bairros ou setores."]
    if errors:
        raise ValidationError("Confira a mensagem.", fields=errors)
    s = session()
    with audit_context(reason="Mensagem personalizada das faturas"):
        rule = s.get(MessageRule, rule_id) if rule_id else MessageRule()
        if rule is None:
            raise NotFound("Mensagem não encontrada.")
        rule.kind, rule.title, rule.text, rule.priority = kind, title, text, priority
        rule.threshold_percent = threshold
        rule.valid_from, rule.valid_to = dates["valid_from"], dates["valid_to"]
        rule.neighbourhoods, rule.sector_codes = hoods, sectors
        rule.active = data.get("active") in ("on", True, "true", "1")
        if rule_id is None:
            s.add(rule)
        s.flush()
    return rule
