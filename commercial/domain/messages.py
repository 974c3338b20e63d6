"""The personalised invoice messages (seed 004; tender 7.5 "mensagens"): which rule applies
to an invoice, and its text with the invoice's values filled in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from commercial.domain.text import ascii_fold
from core import fmt
from core.enums import LabelledStrEnum


class MessageKind(LabelledStrEnum):
    GENERAL = "geral", "Mensagem geral (todas as faturas)"
    LOCATION = "localizacao", "Por localização (bairro/setor)"
    EXCESS_CONSUMPTION = "excesso_consumo", "Excesso de consumo sobre a média"
    UNPAID_INVOICES = "debitos_em_aberto", "Faturas em aberto (quantidade e valor)"
    DIRECT_DEBIT = "debito_automatico", "Fatura em débito automático"
    DEBIT_RETURNED = "debito_devolvido", "Débito automático devolvido"
    PAYMENT_PLAN = "plano_pagamento", "Parcelamento ativo e próxima parcela"
    TELEMETERED = "telemedicao", "Hidrômetro com telemedição disponível"
    ALERTS = "alertas", "Convite para alertas personalizados"
    TARIFF_APPLIED = "tarifa_aplicada", "Tarifa aplicada"
    ZERO_INVOICE = "fatura_zero", "Fatura com valor zero"
    CUT_OFF = "ligacao_cortada", "Ligação cortada"


# Placeholders a Gestor may use in a message text, with what they mean.
PLACEHOLDERS = {
    "nome": "nome do cliente",
    "matricula": "matricula",
    "consumo": "consumo faturado (m3)",
    "media": "média dos últimos 6 meses (m3)",
    "excesso_pct": "quanto o consumo passou da média (%)",
    "qtd_abertas": "quantidade de faturas em aberto",
    "valor_abertas": "valor das faturas em aberto",
    "vencimento": "vencimento desta fatura",
    "data_devolucao": "data da devolução do débito automático",
    "parcelas_restantes": "parcelas restantes do parcelamento",
    "proxima_parcela_data": "vencimento da próxima parcela",
    "proxima_parcela_valor": "valor da próxima parcela",
    "tabela": "tabela tarifária aplicada",
    "vigencia": "início de vigência da tabela",
    "bairro": "bairro",
}


@dataclass(frozen=True)
class MessageRuleData:
    kind: str
    text: str
    priority: int = 100
    neighbourhoods: tuple[str, ...] = ()
    sector_codes: tuple[str, ...] = ()
    threshold_percent: Decimal | None = None  # excesso_consumo: % above the average
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    id: int | None = None


@dataclass(frozen=True)
class InvoiceFacts:
    """What the message rules look at, for one invoice."""

    issue_date: dt.date
    name: str = ""
    matricula: str = ""
    neighbourhood: str = ""
    sector_code: str | None = None
    consumption: int = 0
    average: int = 0
    history_months: int = 0
    total: Decimal = Decimal(0)
    due_date: dt.date | None = None
    unpaid_count: int = 0
    unpaid_amount: Decimal = Decimal(0)
    direct_debit: bool = False
    debit_returned_on: dt.date | None = None
    plan_remaining: int = 0
    plan_next_due: dt.date | None = None
    plan_next_amount: Decimal | None = None
    telemetered: bool = False
    has_mobile_consent: bool = False
    situation: str = "ativa"
    tariff_table: str = ""
    tariff_valid_from: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)


class _Safe(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_text(text: str, values: dict[str, str]) -> str:
    try:
        return text.format_map(_Safe(values))
    except (ValueError, IndexError):  # a stray brace in a Gestor's text: print it as typed
        return text


def template_problems(text: str) -> list[str]:
    """Unknown placeholders in a message text."""
    names = set(re.findall(r"\{(\w+)\}", text))
    unknown = sorted(names - set(PLACEHOLDERS))
    return [f"Campo desconhecido na mensagem: {{{n}}}" for n in unknown]


def excess_percent(consumption: int, avg: int) -> int | None:
    if avg <= 0:
        return None
    return int(((Decimal(consumption) - avg) * 100 / avg).quantize(Decimal(1), ROUND_HALF_UP))


# What each kind of rule asks of the invoice (excesso_consumo also needs the rule's threshold)
_KIND_TESTS: dict[str, Callable[[InvoiceFacts], bool]] = {
    MessageKind.GENERAL: lambda f: True,
    MessageKind.LOCATION: lambda f: True,
    MessageKind.TARIFF_APPLIED: lambda f: True,
    MessageKind.UNPAID_INVOICES: lambda f: f.unpaid_count > 0,
    MessageKind.DIRECT_DEBIT: lambda f: f.direct_debit,
    MessageKind.DEBIT_RETURNED: lambda f: f.debit_returned_on is not None,
    MessageKind.PAYMENT_PLAN: lambda f: f.plan_remaining > 0,
    MessageKind.TELEMETERED: lambda f: f.telemetered,
    MessageKind.ALERTS: lambda f: not f.has_mobile_consent,
    MessageKind.ZERO_INVOICE: lambda f: f.total <= 0,
    MessageKind.CUT_OFF: lambda f: f.situation == "cortada",
}


def _in_force_and_place(rule: MessageRuleData, f: InvoiceFacts) -> bool:
    if rule.valid_from and f.issue_date < rule.valid_from:
        return False
    if rule.valid_to and f.issue_date > rule.valid_to:
        return False
    if rule.neighbourhoods or rule.sector_codes:
        return (ascii_fold(f.neighbourhood).lower() in
                {ascii_fold(n).lower() for n in rule.neighbourhoods}) or \
            (f.sector_code is not None and f.sector_code in rule.sector_codes)
    return True


def rule_applies(rule: MessageRuleData, f: InvoiceFacts) -> bool:
    if not _in_force_and_place(rule, f):
        return False
    if rule.kind == MessageKind.EXCESS_CONSUMPTION:
        threshold = rule.threshold_percent if rule.threshold_percent is not None else Decimal(30)
        pct = excess_percent(f.consumption, f.average)
        return f.history_months >= 3 and pct is not None and pct > threshold
    test = _KIND_TESTS.get(rule.kind)
    return bool(test and test(f))


def messages_for(rules: Iterable[MessageRuleData], f: InvoiceFacts, limit: int = 6) -> list[str]:
    """The personalised messages of one invoice, by priority (lower first), deduplicated."""
    values = {
        "nome": f.name, "matricula": f.matricula, "consumo": str(f.consumption),
        "media": str(f.average), "excesso_pct": str(excess_percent(f.consumption, f.average) or 0),
        "qtd_abertas": str(f.unpaid_count), "valor_abertas": fmt.money(f.unpaid_amount),
        "vencimento": fmt.date(f.due_date), "data_devolucao": fmt.date(f.debit_returned_on),
        "parcelas_restantes": str(f.plan_remaining), "proxima_parcela_data": fmt.date(f.plan_next_due),
        "proxima_parcela_valor": fmt.money(f.plan_next_amount) if f.plan_next_amount else "",
        "tabela": f.tariff_table, "vigencia": fmt.date(f.tariff_valid_from), "bairro": f.neighbourhood,
        **f.extra,
    }
    out: list[str] = []
    for rule in sorted(rules, key=lambda r: (r.priority, r.id or 0)):
        if rule_applies(rule, f):
            text = render_text(rule.text, values).strip()
            if text and text not in out:
                out.append(text)
        if len(out) >= limit:
            break
    return out
