"""What the invoices of one batch (or one simulation) share, loaded once: the month, dates,
parameters, tariff rules, message rules, quality blocks; and the per-connection facts loaded in
bulk for a chunk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from commercial.domain.messages import MessageRuleData
from commercial.domain.tariffs import (
    TariffRule,
)
from commercial.models import (
    BillingGroup,
    Invoice,
    MessageRule,
    Parameters,
    PaymentPlan,
    ServiceCharge,
)
from commercial.services import payment_facts
from commercial.services import tariffs as tariff_service
from commercial.services.billing_parameters import parameters, utility_header
from commercial.services.quality import quality_block
from core import fmt
from core.db import session
from core.errors import DomainError


@dataclass
class Context:
    """Everything shared by the invoices of a batch, loaded once."""

    year: int
    month: int
    issue: dt.date
    due: dt.date
    params: Parameters
    utility: dict[str, Any]
    rules: list[TariffRule]
    messages: list[MessageRuleData]
    group: BillingGroup | None
    # one block per serving scope within a batch (thousands of invoices share a few scopes)
    quality_blocks: dict[tuple[Any, ...], dict[str, Any]]
    bill_water: bool = True
    bill_sewer: bool = True

    def quality(self, system_id: int | None, sector_code: str | None = None,
                neighbourhood: str | None = None) -> dict[str, Any]:
        key = (system_id, sector_code, neighbourhood)
        if key not in self.quality_blocks:
            self.quality_blocks[key] = quality_block(
                system_id, self.year, self.month, months_back=self.params.quality_months_back,
                more_info=self.params.quality_more_info, sector_code=sector_code,
                neighbourhood=neighbourhood)
        return self.quality_blocks[key]


def message_rules(day: dt.date) -> list[MessageRuleData]:
    rows = session().scalars(select(MessageRule).where(MessageRule.active.is_(True)))
    return [MessageRuleData(
        kind=r.kind, text=r.text, priority=r.priority, neighbourhoods=tuple(r.neighbourhoods or ()),
        sector_codes=tuple(r.sector_codes or ()),
        threshold_percent=Decimal(r.threshold_percent) if r.threshold_percent is not None else None,
        valid_from=r.valid_from, valid_to=r.valid_to, id=r.id) for r in rows
        if (r.valid_from is None or r.valid_from <= day) and (r.valid_to is None or r.valid_to >= day)]


def make_context(year: int, month: int, issue: dt.date, due: dt.date,
                 group: BillingGroup | None = None) -> Context:
    start = dt.date(year, month, 1) - dt.timedelta(days=45)
    end = dt.date(*fmt.month_add(year, month, 1), 1) + dt.timedelta(days=10)
    rules = tariff_service.rules_between(start, end)
    if not rules:
        raise DomainError("Nenhuma tabela tarifária vigente para o período.",
                          code="sem_tabela_tarifaria")
    return Context(year, month, issue, due, parameters(), utility_header(), rules,
                   message_rules(issue), group, {},
                   bill_water=group.bill_water if group else True,
                   bill_sewer=group.bill_sewer if group else True)


@dataclass
class Extras:
    """Per-connection facts loaded in bulk for a chunk."""

    unpaid: dict[int, tuple[int, Decimal]]
    returned: dict[int, dt.date]
    plans: dict[int, PaymentPlan]
    services: dict[int, list[ServiceCharge]]
    prior_numbers: dict[int, int]


def load_extras(conn_ids: list[int], ctx: Context) -> Extras:
    s = session()
    # unpaid invoices and returned debits come from the payment records (return files,
    # manual payments), never from marks on the invoice
    unpaid = payment_facts.unpaid_by_connection(conn_ids, ctx.issue)
    returned = payment_facts.returned_debits(conn_ids)
    plans = {p.connection_id: p for p in s.scalars(select(PaymentPlan).where(
        PaymentPlan.connection_id.in_(conn_ids), PaymentPlan.active.is_(True)))}
    services: dict[int, list[ServiceCharge]] = {}
    for sc in s.scalars(select(ServiceCharge).where(
            ServiceCharge.connection_id.in_(conn_ids), ServiceCharge.invoice_id.is_(None),
            ServiceCharge.cancelled.is_(False)).order_by(ServiceCharge.id)):
        services.setdefault(sc.connection_id, []).append(sc)
    prior = dict(s.execute(select(Invoice.connection_id, func.count(Invoice.id)).where(
        Invoice.connection_id.in_(conn_ids), Invoice.year == ctx.year, Invoice.month == ctx.month)
        .group_by(Invoice.connection_id)).all())
    return Extras(unpaid, returned, plans, services, prior)
