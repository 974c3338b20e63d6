"""Consumers and connections (tender 7.2): validation, saving, look-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from commercial.domain.contacts import brazilian_mobile, email_is_valid
from commercial.domain.documents import (
    cnpj_clean,
    document_kind,
    matricula_with_dv,
    parse_matricula,
)
from commercial.domain.text import digits, search_key
from commercial.models import (
    CHANNELS,
    ECONOMIA_FIELDS,
    BillingGroup,
    Connection,
    Consumer,
    Situation,
)
from commercial.services.lookups import forget_active_count
from core import fmt
from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import NotFound, ValidationError

# -- consumers --------------------------------------------------------------------------------

def _clean_consumer(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    name = " ".join(str(data.get("name") or "").split())
    if len(name) < 3:
        errors["name"] = ["Informe o nome completo do cliente."]
    out["name"] = name[:200]
    out["search_name"] = search_key(out["name"])[:200]
    doc = cnpj_clean(str(data.get("document") or ""))
    if doc:
        kind = document_kind(doc)
        if kind is None:
            errors["document"] = ["CPF ou CNPJ inválido: confira os dígitos verificadores."]
        out["document"], out["document_kind"] = doc, kind
    else:
        out["document"], out["document_kind"] = None, None
    raw_phones = data.get("phones") or []
    if isinstance(raw_phones, str):
        raw_phones = [p for p in raw_phones.replace(";", ",").replace("\n", ",").split(",")]
    phones = [" ".join(str(p).split()) for p in raw_phones if str(p).strip()]
    bad = [p for p in phones if len(digits(p)) < 8]
    if bad:
        errors["phones"] = [f"Telefone inválido: {', '.join(bad)}"]
    out["phones"] = phones
    out["mobile"] = next((m for m in (brazilian_mobile(p) for p in phones) if m), None)
    email = str(data.get("email") or "").strip().lower() or None
    if email and not email_is_valid(email):
        errors["email"] = ["E-mail inválido."]
    out["email"] = email
    channels = data.get("channels") or []
    if isinstance(channels, str):
        channels = [c.strip() for c in channels.split(",") if c.strip()]
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        errors["channels"] = [f"Canal desconhecido: {', '.join(unknown)}"]
    channels = list(dict.fromkeys(c for c in channels if c in CHANNELS))
    if any(c in ("sms", "whatsapp") for c in channels) and not out["mobile"]:
        errors.setdefault("channels", []).append(
            "SMS e WhatsApp exigem um celular válido (DDD + 9 dígitos).")
    if "email" in channels and not email:
        errors.setdefault("channels", []).append("O canal e-mail exige um e-mail.")
    out["channels"] = channels
    out["consent"] = bool(data.get("consent"))
    out["invoice_by_email"] = bool(data.get("invoice_by_email"))
    if out["invoice_by_email"] and not email:
        errors["invoice_by_email"] = ["Fatura por e-mail exige um e-mail."]
    out["notes"] = (str(data.get("notes") or "").strip() or None)
    return out, errors


def consumer_by_document(text: str) -> Consumer | None:
    """The customer holding this CPF/CNPJ (a customer may hold many connections)."""
    doc = cnpj_clean(str(text or ""))
    if not doc:
        return None
    return session().scalars(select(Consumer).where(Consumer.document == doc)).first()


@transactional
def save_consumer(data: dict[str, Any], consumer_id: int | None = None,
                  reason: str | None = None) -> Consumer:
    """Create or update a consumer; bad input -> ValidationError with per-field messages."""
    values, errors = _clean_consumer(data)
    s = session()
    if values.get("document"):
        other = s.scalars(select(Consumer.id).where(Consumer.document == values["document"])).first()
        if other is not None and other != consumer_id:
            errors.setdefault("document", []).append(
                "Já existe um cliente com este CPF/CNPJ. Um cliente pode ter várias ligações: "
                "marque \"vincular ao cliente existente\" para ligar esta matrícula a ele.")
    if errors:
        raise ValidationError("Confira os dados do cliente.", fields=errors)
    with audit_context(reason=reason or ("Cadastro de cliente" if consumer_id is None
                                         else "Alteração de cadastro de cliente")):
        if consumer_id is None:
            c = Consumer(**values)
            s.add(c)
        else:
            c = get_consumer(consumer_id)
            for k, v in values.items():
                setattr(c, k, v)
        if c.consent and c.consent_at is None:
            c.consent_at = utcnow()
        if not c.consent:
            c.consent_at = None
        s.flush()
    return c


def get_consumer(consumer_id: int) -> Consumer:
    return get_or_404(Consumer, consumer_id, "Cliente não encontrado.")


# -- connections ------------------------------------------------------------------------------

def _int(v: Any, default: int | None = 0) -> int | None:
    if v is None or v == "":
        return default
    n = int(v)
    if not -(2**31) <= n < 2**31:  # the database's INTEGER
        raise ValueError(v)
    return n


class _Form:
    """A form being cleaned: the typed `data`, the clean values `out` and the `errors` per
    field, both in the order of the form."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.out: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def text(self, key: str, size: int, required: bool = False, label: str = "") -> str | None:
        v = " ".join(str(self.data.get(key) or "").split())[:size] or None
        if required and not v:
            self.errors[key] = [f"Informe {label}."]
        return v

    def integer(self, key: str, default: int | None, message: str) -> None:
        try:
            self.out[key] = _int(self.data.get(key), default)
        except (TypeError, ValueError):
            self.errors[key] = [message]


def _clean_address(f: _Form) -> None:
    out = f.out
    out["street"] = f.text("street", 160, True, "o logradouro")
    out["house_number"] = f.text("house_number", 20) or "S/N"
    out["complement"] = f.text("complement", 80)
    out["neighbourhood"] = f.text("neighbourhood", 120, True, "o bairro")
    out["city"] = f.text("city", 120) or ""
    raw_cep = str(f.data.get("cep") or "").strip()
    cep = digits(raw_cep)
    if raw_cep and len(cep) != 8:  # never drop what was typed without saying so
        f.errors["cep"] = [f'CEP "{raw_cep}" inválido: deve ter 8 dígitos, ex.: 13999-000.']
    out["cep"] = f"{cep[:5]}-{cep[5:]}" if len(cep) == 8 else None
    out["sector_code"] = f.text("sector_code", 40)
    out["segment_code"] = f.text("segment_code", 60)
    out["system_code"] = f.text("system_code", 40)
    f.integer("system_id", None, "Sistema inválido.")


def _clean_economias(f: _Form) -> None:
    for k in ECONOMIA_FIELDS:
        try:
            n = _int(f.data.get(k), 0) or 0
            if n < 0 or n > 9999:
                raise ValueError
            f.out[k] = n
        except (TypeError, ValueError):
            f.errors[k] = ["Número de economias inválido."]
    if not f.errors.keys() & set(ECONOMIA_FIELDS) and sum(f.out[k] for k in ECONOMIA_FIELDS) == 0:
        f.errors["residencial"] = ["A ligação precisa de pelo menos uma economia."]


def _installed_on(f: _Form) -> dt.date | None:
    mi = f.data.get("meter_installed_on")
    if isinstance(mi, str) and mi:
        try:
            mi = dt.date.fromisoformat(mi)
        except ValueError:
            f.errors["meter_installed_on"] = ["Data inválida: escolha no calendário (ex.: 15/03/2024)."]
            mi = None
    if isinstance(mi, dt.date):
        try:
            fmt.check_date(mi, earliest=dt.date(1950, 1, 1), latest=fmt.today(),
                           what="a data de instalação do hidrômetro")
        except ValidationError as exc:
            f.errors["meter_installed_on"] = [exc.message]
    return mi or None


def _clean_meter(f: _Form) -> None:
    out = f.out
    out["tariff_type"] = f.text("tariff_type", 30) or "normal"
    out["has_sewer"] = bool(f.data.get("has_sewer", True))
    out["meter_number"] = f.text("meter_number", 30)
    out["meter_diameter"] = f.text("meter_diameter", 10)
    out["meter_telemetered"] = bool(f.data.get("meter_telemetered"))
    out["meter_installed_on"] = _installed_on(f)
    situation = str(f.data.get("situation") or Situation.ACTIVE)
    if situation not in {s.value for s in Situation}:
        f.errors["situation"] = ["Situação deve ser ativa, cortada ou suprimida."]
    out["situation"] = situation
    out["direct_debit"] = bool(f.data.get("direct_debit"))


_COORDINATES = (("latitude", "Latitude", -34.0, 6.0, "-22,9051"),
                ("longitude", "Longitude", -74.0, -28.0, "-47,0653"))


def _clean_coordinates(f: _Form) -> None:
    for key, label, lo, hi, ex in _COORDINATES:
        v = f.data.get(key)
        if v in (None, ""):
            f.out[key] = None
            continue
        try:
            value = float(str(v).strip().replace(",", "."))
        except ValueError:
            f.errors[key] = [f'{label} "{v}" não é um número: use graus decimais, ex.: {ex} '
                             "(negativo ao sul do Equador e a oeste de Greenwich)."]
            continue
        if not lo <= value <= hi:
            f.errors[key] = [f"{label} {str(v).strip()} fica fora do Brasil: use um valor entre "
                             f"{lo:g} e {hi:g} (ex.: {ex})."]
            continue
        f.out[key] = value


def _clean_links(f: _Form) -> None:
    f.integer("billing_group_id", None, "Grupo inválido.")
    try:
        f.out["consumer_id"] = _int(f.data.get("consumer_id"), None)
    except (TypeError, ValueError):
        f.out["consumer_id"] = None
    if f.out["consumer_id"] is None:
        f.errors["consumer_id"] = ["Informe o cliente (titular) da ligação."]
    try:
        f.out["route_seq"] = _int(f.data.get("route_seq"), 0) or 0
    except (TypeError, ValueError):
        f.errors["route_seq"] = ["Sequência de leitura inválida."]


def _clean_connection(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    f = _Form(data)
    for step in (_clean_address, _clean_economias, _clean_meter, _clean_coordinates, _clean_links):
        step(f)
    return f.out, f.errors


@transactional
def save_connection(data: dict[str, Any], connection_id: int | None = None,
                    reason: str | None = None) -> Connection:
    """Create (new matricula with its check digit) or update a connection."""
    values, errors = _clean_connection(data)
    s = session()
    if values.get("consumer_id") and s.get(Consumer, values["consumer_id"]) is None:
        errors["consumer_id"] = ["Cliente não encontrado."]
    if values.get("billing_group_id") and s.get(BillingGroup, values["billing_group_id"]) is None:
        errors["billing_group_id"] = ["Grupo de faturamento não encontrado."]
    number = data.get("number")
    if connection_id is None and number not in (None, ""):
        try:
            number = int(number)
            if number <= 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["number"] = ["Número de matrícula inválido."]
            number = None
        if number and s.scalars(select(Connection.id).where(Connection.number == number)).first():
            errors["number"] = ["Matrícula já cadastrada."]
    if errors:
        raise ValidationError("Confira os dados da ligação.", fields=errors)
    values["search_key"] = search_key(values["street"], values["neighbourhood"])
    with audit_context(reason=reason or ("Cadastro de ligação" if connection_id is None
                                         else "Alteração de cadastro de ligação")):
        if connection_id is None:
            if not number:
                number = (s.scalar(select(func.max(Connection.number))) or 0) + 1
            conn = Connection(number=number, matricula=matricula_with_dv(number), **values)
            s.add(conn)
        else:
            conn = get_connection(connection_id)
            for k, v in values.items():
                setattr(conn, k, v)
        s.flush()
    forget_active_count()
    return conn


@transactional
def set_situation(connection_id: int, situation: str, reason: str) -> Connection:
    if situation not in {x.value for x in Situation}:
        raise ValidationError("Situação inválida.", fields={"situation": ["ativa, cortada ou suprimida"]})
    if len(reason.strip()) < 5:
        raise ValidationError("Informe o motivo.", fields={"reason": ["obrigatorio"]})
    conn = get_connection(connection_id)
    with audit_context(reason=reason.strip()):
        conn.situation = situation
        session().flush()
    forget_active_count()
    return conn


def get_connection(connection_id: int) -> Connection:
    return get_or_404(Connection, connection_id, "Ligação não encontrada.")


def by_matricula(text: str) -> Connection:
    base, full = parse_matricula(text)
    s = session()
    conn = None
    if full:
        conn = s.scalars(select(Connection).where(Connection.matricula == full)).first()
    if conn is None and base is not None:
        conn = s.scalars(select(Connection).where(Connection.number == base)).first()
    if conn is None:
        raise NotFound(f"Matrícula {text} não encontrada.")
    return conn
