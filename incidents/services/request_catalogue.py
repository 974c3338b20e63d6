"""The request types and the service price table, kept by a manager (editable data, audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import get_or_404, session, transactional
from core.errors import ValidationError
from incidents.models import RequestType, ServicePrice, ServiceType


def prices() -> list[ServicePrice]:
    return list(session.scalars(select(ServicePrice).order_by(ServicePrice.service_code,
                                                               ServicePrice.valid_from.desc())))


def _service_codes(raw: str) -> list[str]:
    codes = [c.strip().upper() for c in raw.replace(";", ",").split(",") if c.strip()]
    known = set(session.scalars(select(ServiceType.code)))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError("Serviço fora do catálogo: " + ", ".join(unknown),
                              fields={"services": ["código desconhecido"]})
    return codes


@transactional
def save_type(type_id: int, form: dict[str, Any]) -> RequestType:
    rt = get_or_404(RequestType, type_id, "Tipo de solicitação não encontrado")
    description = " ".join(str(form.get("description") or "").split())[:200]
    if len(description) < 3:
        raise ValidationError("Descreva o tipo de solicitação.", fields={"description": ["obrigatório"]})
    services = _service_codes(str(form.get("services") or ""))
    with audit_context(reason="tipo de solicitação editado"):
        rt.description, rt.services = description, services
        rt.public, rt.active = bool(form.get("public")), bool(form.get("active"))
        session.flush()
    return rt


def _date(raw: Any, name: str) -> dt.date | None:
    if not str(raw or "").strip():
        return None
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError("Data inválida.", fields={name: ["use o calendário"]}) from None


@transactional
def add_price(form: dict[str, Any]) -> ServicePrice:
    code = _service_codes(str(form.get("service_code") or ""))
    try:
        amount = Decimal(str(form.get("amount") or "").replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = Decimal(-1)
    start, end = _date(form.get("valid_from"), "valid_from"), _date(form.get("valid_to"), "valid_to")
    if len(code) != 1 or amount < 0 or start is None or (end is not None and end < start):
        raise ValidationError("Confira o serviço, o valor e o período de vigência.",
                              fields={"amount": ["valor e vigência"]})
    row = ServicePrice(service_code=code[0], amount=amount, valid_from=start, valid_to=end)
    with audit_context(reason="tabela de valores de serviços"):
        session.add(row)
        session.flush()
    return row
