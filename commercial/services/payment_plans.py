"""Payment plans (parcelamentos) as real records: the plan and its instalments, each billed on
the invoice of its month as a service line ("Parcela 2/6 (parcelamento 12)") and paid when
that invoice is paid. The plan's summary columns (paid instalments, next due date and amount,
active) follow the instalments, so the invoice messages read them as before."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from commercial.domain.money import money, positive_amount
from commercial.models import Connection, PaymentPlan, ServiceCharge
from commercial.models.payments import PlanInstalment
from core import fmt
from core.audit import audit_context, record_updates
from core.db import chunks, ids_in, session, transactional
from core.errors import NotFound, ValidationError


def split(total: Decimal, n: int) -> list[Decimal]:
    """n instalments of whole cents adding up to the total; the cents left go on the first."""
    each = money(total / n)
    if each * n > total:
        each -= Decimal("0.01")
    return [money(total - each * (n - 1))] + [each] * (n - 1)


def _monthly(first: dt.date, k: int) -> dt.date:
    y, m = fmt.month_add(first.year, first.month, k)
    return dt.date(y, m, min(first.day, calendar.monthrange(y, m)[1]))


def _check(total: Any, instalments: Any) -> tuple[Decimal, int]:
    errors: dict[str, list[str]] = {}
    value = positive_amount(total)
    if value is None:
        errors["total"] = ["Valor do parcelamento inválido."]
    n = fmt.whole_in(instalments, 1, 60)
    if n is None:
        errors["instalments"] = ["Número de parcelas deve ser de 1 a 60."]
    if errors or value is None or n is None:
        raise ValidationError("Confira o parcelamento.", fields=errors)
    return value, n


@transactional
def create_plan(connection_id: int, total: Any, instalments: Any, first_due: dt.date,
                description: str = "Parcelamento de débitos") -> PaymentPlan:
    """A plan with its instalments, monthly from `first_due`."""
    value, n = _check(total, instalments)
    if session().get(Connection, connection_id) is None:
        raise NotFound("Ligação não encontrada.")
    amounts = split(value, n)
    with audit_context(reason="Parcelamento de débitos"):
        plan = PaymentPlan(connection_id=connection_id, description=description[:200],
                           instalments=n, paid_instalments=0, next_due=first_due,
                           next_amount=amounts[0], active=True)
        session().add(plan)
        session().flush()
        session().add_all(PlanInstalment(plan_id=plan.id, number=k + 1, due_date=_monthly(first_due, k),
                                         amount=a) for k, a in enumerate(amounts))
        session().flush()
    return plan


def bill_due_instalments(until: dt.date, group_id: int | None = None) -> int:
    """Put each unbilled instalment due by `until` on the next invoice (a service charge),
    for the connections of the billing group (all when None). Runs inside the caller's
    transaction (the batch's)."""
    stmt = (select(PlanInstalment, PaymentPlan).join(PaymentPlan, PaymentPlan.id == PlanInstalment.plan_id)
            .where(PaymentPlan.active.is_(True), PlanInstalment.service_charge_id.is_(None),
                   PlanInstalment.paid_on.is_(None), PlanInstalment.due_date <= until)
            .order_by(PlanInstalment.plan_id, PlanInstalment.number))
    if group_id is not None:
        stmt = stmt.where(PaymentPlan.connection_id.in_(
            select(Connection.id).where(Connection.billing_group_id == group_id)))
    s = session()
    n = 0
    with audit_context(reason="Parcela de parcelamento a faturar"):
        for inst, plan in s.execute(stmt).all():
            sc = ServiceCharge(connection_id=plan.connection_id, amount=inst.amount,
                               description=f"Parcela {inst.number}/{plan.instalments} (parcelamento {plan.id})")
            s.add(sc)
            s.flush()
            inst.service_charge_id = sc.id
            n += 1
        s.flush()
    return n


def mark_paid_for_invoices(paid: dict[int, dt.date]) -> int:
    """The instalments billed on these invoices ({invoice id: paid on}) are paid; their plans'
    summaries follow. Returns how many instalments."""
    s = session()
    rows = []
    for part in chunks(list(paid)):
        rows += s.execute(select(PlanInstalment.id, PlanInstalment.plan_id, ServiceCharge.invoice_id)
                          .join(ServiceCharge, ServiceCharge.id == PlanInstalment.service_charge_id)
                          .where(ids_in(ServiceCharge.invoice_id, part), PlanInstalment.paid_on.is_(None))).all()
    if not rows:
        return 0
    for inst_id, _plan, invoice_id in rows:
        s.execute(PlanInstalment.__table__.update().where(PlanInstalment.__table__.c.id == inst_id)
                  .values(paid_on=paid[invoice_id]))
    record_updates(PlanInstalment, {i: {"paid_on": (None, paid[inv])} for i, _p, inv in rows})
    for obj in list(s.identity_map.values()):
        if isinstance(obj, PlanInstalment):
            s.expire(obj)
    sync_plans({p for _i, p, _inv in rows})
    return len(rows)


def sync_plans(plan_ids: set[int]) -> None:
    """Paid count, next instalment and active flag of each plan, from its instalments."""
    s = session()
    for plan in s.scalars(select(PaymentPlan).where(PaymentPlan.id.in_(plan_ids))):
        insts = instalments_of(plan.id)
        unpaid = [i for i in insts if i.paid_on is None]
        plan.paid_instalments = len(insts) - len(unpaid)
        plan.next_due = unpaid[0].due_date if unpaid else None
        plan.next_amount = unpaid[0].amount if unpaid else None
        plan.active = bool(unpaid)
    s.flush()


def instalments_of(plan_id: int) -> list[PlanInstalment]:
    return list(session().scalars(select(PlanInstalment).where(PlanInstalment.plan_id == plan_id)
                                  .order_by(PlanInstalment.number)))


def plans_of(connection_id: int) -> list[PaymentPlan]:
    return list(session().scalars(select(PaymentPlan).where(PaymentPlan.connection_id == connection_id)
                                  .order_by(PaymentPlan.id.desc())))


def instalments_on_invoice(invoice_id: int) -> list[tuple[PlanInstalment, PaymentPlan]]:
    """The plan instalments billed on an invoice."""
    return [(i, p) for i, p in session().execute(
        select(PlanInstalment, PaymentPlan).join(PaymentPlan, PaymentPlan.id == PlanInstalment.plan_id)
        .join(ServiceCharge, ServiceCharge.id == PlanInstalment.service_charge_id)
        .where(ServiceCharge.invoice_id == invoice_id).order_by(PlanInstalment.number)).all()]
