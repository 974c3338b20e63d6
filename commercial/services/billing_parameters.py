"""The billing parameters (FEBRABAN agreement, PIX, SMS days, quality block options) and the
utility's header printed on every invoice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from commercial.domain.documents import format_document
from commercial.domain.text import digits
from commercial.models import (
    Parameters,
)
from core.audit import audit_context
from core.db import session, transactional
from core.errors import ValidationError
from core.org import current_organization
from core.web import settings as _settings

# -- parameters -------------------------------------------------------------------------------

HEALTH_GUIDANCE = (
    "Se a água apresentar cor, cheiro ou gosto diferentes, não a beba: avise o SAAE e, até a "
    "normalização, ferva-a por 1 minuto ou use água filtrada. Lave a caixa d'água a cada 6 meses "
    "e mantenha-a tampada. Pacientes em hemodiálise, gestantes, crianças e idosos devem seguir "
    "as orientações da vigilância sanitária nos avisos de risco.")


def parameters() -> Parameters:
    s = session()
    p = s.scalars(select(Parameters).order_by(Parameters.id)).first()
    if p is None:
        p = Parameters(health_guidance=HEALTH_GUIDANCE, source_notes={})
        s.add(p)
        s.flush()
    return p


@transactional
def save_parameters(data: dict[str, Any]) -> Parameters:
    errors: dict[str, list[str]] = {}
    p = parameters()
    company = digits(str(data.get("febraban_company") or ""))
    if len(company) != 4:
        errors["febraban_company"] = ["Código FEBRABAN do convênio deve ter 4 dígitos."]
    value_id = str(data.get("value_id") or "6")
    if value_id not in ("6", "8"):
        errors["value_id"] = ["Use 6 (módulo 10) ou 8 (módulo 11)."]
    ints = {}
    for k, lo, hi in (("sms_days_before", 7, 10), ("due_days_min", 1, 30),
                      ("quality_months_back", 0, 3)):
        try:
            v = int(data.get(k))  # type: ignore[arg-type]
            if not lo <= v <= hi:
                raise ValueError
            ints[k] = v
        except (TypeError, ValueError):
            errors[k] = [f"Valor entre {lo} e {hi}."]
    try:
        excess = Decimal(str(data.get("excess_percent") or "30").replace(",", "."))
    except Exception:  # noqa: BLE001
        errors["excess_percent"] = ["Percentual inválido."]
        excess = Decimal(30)
    pix_key = (str(data.get("pix_key") or "").strip() or None)
    if pix_key and len(pix_key) > 77:
        errors["pix_key"] = ["Chave PIX longa demais."]
    if errors:
        raise ValidationError("Confira os parâmetros de faturamento.", fields=errors)
    with audit_context(reason="Parâmetros de faturamento"):
        p.febraban_company, p.value_id, p.pix_key = company, value_id, pix_key
        p.pix_name = (str(data.get("pix_name") or "").strip()[:25] or None)
        p.pix_city = (str(data.get("pix_city") or "").strip()[:15] or None)
        p.quality_more_info = (str(data.get("quality_more_info") or "").strip()[:300] or None)
        p.excess_percent = excess
        for k, v in ints.items():
            setattr(p, k, v)
        session().flush()
    return p


def utility_header() -> dict[str, Any]:
    org = current_organization()
    if org is None:
        try:
            name = _settings().utility_name
        except Exception:  # noqa: BLE001  outside a request/app
            name = "SAAE"
        return {"name": name, "short_name": name, "cnpj": None, "address": None, "phone": None,
                "email": None, "website": None, "municipality": "", "uf": "",
                "customer_service": None, "surveillance_body": None}
    return {"name": org.name, "short_name": org.short_name,
            "cnpj": format_document(org.cnpj) if org.cnpj else None,
            "address": org.address, "phone": org.phone, "email": org.email,
            "website": org.website, "municipality": org.municipality, "uf": org.uf,
            "customer_service": org.customer_service, "surveillance_body": org.surveillance_body}
