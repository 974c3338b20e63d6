"""Billing groups, and the link of connections to the LIMS supply systems."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from commercial.models import BillingGroup, Connection
from core import fmt
from core.audit import audit_context
from core.db import session, transactional
from core.errors import NotFound, ValidationError
from lims import api as lims_api


@transactional
def match_systems() -> int:
    """Fill `system_id` from the LIMS systems by code (`system_code`); returns rows changed."""
    try:
        systems = {s.code: s.id for s in lims_api.systems()}
    except NotImplementedError:
        return 0
    s = session()
    changed = 0
    with audit_context(reason="Vínculo com o sistema de abastecimento do LIMS"):
        for code, sid in systems.items():
            for conn in s.scalars(select(Connection).where(
                    Connection.system_code == code,
                    or_(Connection.system_id.is_(None), Connection.system_id != sid))):
                conn.system_id = sid
                changed += 1
        s.flush()
    return changed


def systems_by_code() -> dict[str, int]:
    try:
        return {s.code: s.id for s in lims_api.systems()}
    except NotImplementedError:
        return {}


@transactional
def save_group(data: dict[str, Any], group_id: int | None = None) -> BillingGroup:
    errors: dict[str, list[str]] = {}
    s = session()
    try:
        number = int(data.get("number") or 0)
        if number <= 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["number"] = ["Número do grupo inválido."]
        number = 0
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = ["Informe o nome do grupo."]
    days = {}
    for k in ("reading_day", "processing_day", "due_day"):
        day = fmt.whole_in(data.get(k) or 0, 1, 28)
        if day is None:
            errors[k] = ["Dia deve estar entre 1 e 28."]
        else:
            days[k] = day
    other = s.scalars(select(BillingGroup.id).where(BillingGroup.number == number)).first()
    if number and other is not None and other != group_id:
        errors["number"] = ["Já existe um grupo com este número."]
    if errors:
        raise ValidationError("Confira os dados do grupo de faturamento.", fields=errors)
    with audit_context(reason="Cadastro de grupo de faturamento"):
        g = s.get(BillingGroup, group_id) if group_id else BillingGroup()
        if g is None:
            raise NotFound("Grupo não encontrado.")
        g.number, g.name = number, name
        for k, v in days.items():
            setattr(g, k, v)
        g.kind = str(data.get("kind") or "normal")
        g.bill_water = bool(data.get("bill_water", True))
        g.bill_sewer = bool(data.get("bill_sewer", True))
        g.cut_notice = bool(data.get("cut_notice", True))
        if group_id is None:
            s.add(g)
        s.flush()
    return g


def groups() -> list[BillingGroup]:
    return list(session().scalars(select(BillingGroup).order_by(BillingGroup.number)))
