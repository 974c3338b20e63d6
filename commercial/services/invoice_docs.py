"""Invoice documents: the complete, frozen content of one invoice (what the PDF prints), built
for a connection and month (tender 7.4/7.5), chunk by chunk for a batch, or simulated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from commercial.domain.consumption import average
from commercial.domain.dates import next_business_day
from commercial.domain.documents import format_matricula, mask_document
from commercial.domain.febraban import (
    collection_barcode,
    format_typed_line,
    invoice_free_field,
    typed_line,
)
from commercial.domain.messages import InvoiceFacts, messages_for
from commercial.domain.money import money
from commercial.domain.pix import pix_payload
from commercial.domain.tariffs import (
    CATEGORY_LABELS,
    Bill,
    Category,
    TariffRule,
    band_label,
    compute_bill,
)
from commercial.models import (
    SITUATION_LABELS,
    BillingGroup,
    Connection,
    Consumer,
    InvoiceState,
    Parameters,
    Reading,
    Situation,
)
from commercial.services import reading_history
from commercial.services.billing_parameters import HEALTH_GUIDANCE, parameters
from commercial.services.invoice_context import Context, Extras, load_extras, make_context
from core import fmt
from core.db import get_or_404, session, utcnow
from core.errors import ValidationError

CHUNK = 1000


class Skip(Exception):
    """This connection gets no invoice this month (the reason is reported)."""


@dataclass(frozen=True)
class Measured:
    """What the invoice bills: the consumption, how it was found, and the readings behind it."""

    consumption: int
    kind: str  # real | media | minimo
    basis: str
    previous_value: int | None
    previous_date: dt.date | None
    current_value: int | None
    current_date: dt.date | None


_BASIS = {"real": "Consumo medido (leitura atual menos a anterior).",
          "minimo": "Faturado pelo mínimo."}


def _measured(ctx: Context, conn: Connection, reading: Reading | None, avg: int) -> Measured:
    if reading is None:
        if conn.situation != Situation.ACTIVE:
            raise Skip("ligação cortada sem leitura")
        return Measured(avg, "media", "Faturado pela média: leitura não realizada neste mês.",
                        None, None, None, ctx.issue)
    kind = reading.kind
    basis = (f"Faturado pela média: leitura não realizada ({reading.occurrence or 'impedimento'})."
             if kind == "media" else _BASIS.get(kind, ""))
    return Measured(reading.consumption, kind, basis, reading.previous_value,
                    reading.previous_read_on, reading.value, reading.read_on)


def _payment(ctx: Context, conn: Connection, number: str, seq: int,
             total: Decimal) -> dict[str, Any]:
    """The FEBRABAN barcode and typed line, and the PIX payload when a key is configured."""
    p = ctx.params
    barcode = collection_barcode(
        total, p.febraban_company,
        invoice_free_field(ctx.due, conn.matricula, ctx.year, ctx.month, seq), value_id=p.value_id)
    line = typed_line(barcode)
    pix = None
    if p.pix_key:
        pix = pix_payload(p.pix_key, p.pix_name or ctx.utility.get("short_name") or "SAAE",
                          p.pix_city or ctx.utility.get("municipality") or "BRASIL",
                          total, txid=f"F{number}")
    return {"barcode": barcode, "typed_line": line, "typed_line_fmt": format_typed_line(line),
            "pix": pix, "direct_debit": conn.direct_debit}


def _messages(ctx: Context, conn: Connection, consumer: Consumer, extras: Extras,
              measured: Measured, avg: int, history_months: int, total: Decimal,
              table: tuple[str, dt.date | None]) -> list[str]:
    """The personalised messages: the facts of this invoice through the message rules."""
    unpaid = extras.unpaid.get(conn.id, (0, Decimal(0)))
    plan = extras.plans.get(conn.id)
    facts = InvoiceFacts(
        issue_date=ctx.issue, name=consumer.name, matricula=format_matricula(conn.matricula),
        neighbourhood=conn.neighbourhood, sector_code=conn.sector_code,
        consumption=measured.consumption, average=avg, history_months=history_months,
        total=total, due_date=ctx.due, unpaid_count=unpaid[0], unpaid_amount=unpaid[1],
        direct_debit=conn.direct_debit, debit_returned_on=extras.returned.get(conn.id),
        plan_remaining=(plan.instalments - plan.paid_instalments) if plan else 0,
        plan_next_due=plan.next_due if plan else None,
        plan_next_amount=plan.next_amount if plan else None,
        telemetered=conn.meter_telemetered,
        has_mobile_consent=bool(consumer.mobile and consumer.consent),
        situation=conn.situation, tariff_table=table[0], tariff_valid_from=table[1])
    return messages_for(ctx.messages, facts)


def _consumer_info(ctx: Context, conn: Connection) -> dict[str, str]:
    """Decreto 5.440 Art. 5 I a, b, d: where to learn more, service, surveillance, health."""
    p, u = ctx.params, ctx.utility
    return {
        "where": " · ".join(x for x in (p.quality_more_info, u.get("website"), u.get("phone")) if x),
        "service": u.get("customer_service") or "",
        "surveillance": u.get("surveillance_body") or "",
        "health": p.health_guidance or HEALTH_GUIDANCE,
        "source": (p.source_notes or {}).get(str(conn.system_id), "") if conn.system_id else "",
    }


def _connection_part(ctx: Context, conn: Connection, econ: dict[str, int],
                     system_name: Any) -> dict[str, Any]:
    return {
        "id": conn.id, "matricula": format_matricula(conn.matricula),
        "address": conn.address, "neighbourhood": conn.neighbourhood, "city": conn.city,
        "cep": conn.cep, "group": ctx.group.number if ctx.group else "-",
        "route": conn.route_seq, "sector": conn.sector_code,
        "system_id": conn.system_id, "system_name": system_name,
        "categories": [{"category": k, "label": CATEGORY_LABELS[Category(k)],
                        "economias": v} for k, v in econ.items() if v],
        "situation": SITUATION_LABELS.get(Situation(conn.situation), conn.situation),
        "meter": {"number": conn.meter_number, "diameter": conn.meter_diameter,
                  "telemetered": conn.meter_telemetered}}


def _reading_part(m: Measured, avg: int, reading: Reading | None) -> dict[str, Any]:
    prev_date, cur_date = m.previous_date, m.current_date
    return {"previous_value": m.previous_value,
            "previous_date": prev_date.isoformat() if prev_date else None,
            "current_value": m.current_value,
            "current_date": cur_date.isoformat() if cur_date else None,
            "consumption": m.consumption, "kind": m.kind,
            "days": (cur_date - prev_date).days if cur_date and prev_date else None,
            "average": avg, "basis": m.basis,
            "occurrence": reading.occurrence if reading else None}


def _tariff_part(ctx: Context, conn: Connection, bill: Bill, rules: list[TariffRule],
                 table: tuple[str, dt.date | None]) -> dict[str, Any]:
    first = bill.lines[0] if bill.lines else None
    sewer_pct = next((f"{r.sewer_percent.normalize():f}" for r in ctx.rules
                      if first and r.category == first.category), "")
    return {"table": table[0], "has_sewer": conn.has_sewer and ctx.bill_sewer,
            "valid_from": table[1].isoformat() if table[1] else None,
            "sewer_percent": sewer_pct,
            "lines": [{"category": ln.category,
                       "label": CATEGORY_LABELS[Category(ln.category)],
                       "economias": ln.economias, "table": ln.table_name,
                       "share": str(ln.share.quantize(Decimal("0.0001"))),
                       "per_economia": str(ln.per_economia.consumption),
                       "bands": [{"label": b.label, "volume": str(b.volume),
                                  "price": None if b.price is None else str(b.price),
                                  "amount": str(b.amount)} for b in ln.per_economia.bands],
                       "table_bands": _table_bands(rules, ln.category, ln.table_name),
                       "water": str(ln.water), "sewer": str(ln.sewer)}
                      for ln in bill.lines]}


def _bill(ctx: Context, conn: Connection, econ: dict[str, int],
          m: Measured) -> tuple[Bill, list[TariffRule]]:
    """The tariff cascade of the connection (its tariff type's rules), or Skip."""
    period = (m.previous_date, m.current_date) if m.previous_date and m.current_date else None
    try:
        rules = [r for r in ctx.rules if r.tariff_type == conn.tariff_type] or ctx.rules
        bill = compute_bill(m.consumption, econ, rules,
                            sewer=conn.has_sewer and ctx.bill_sewer, period=period)
    except LookupError as exc:
        raise Skip(f"sem tarifa: {exc}") from exc
    return bill, rules


def build_doc(ctx: Context, conn: Connection, consumer: Consumer, reading: Reading | None,
              hist: list[tuple[int, int, int, str]], extras: Extras) -> dict[str, Any]:
    """The complete, frozen content of one invoice (what the PDF prints)."""
    year, month = ctx.year, ctx.month
    econ = conn.economias()
    if sum(econ.values()) <= 0:
        raise Skip("ligação sem economias cadastradas")
    past = [c for (y, m, c, k) in hist if (y, m) != (year, month) and k == "real"]
    avg = average(past)
    measured = _measured(ctx, conn, reading, avg)
    if conn.situation == Situation.CUT_OFF and measured.consumption <= 0:
        raise Skip("ligação cortada sem consumo")
    bill, rules = _bill(ctx, conn, econ, measured)
    water = bill.water if ctx.bill_water else Decimal("0.00")
    services = [{"description": sc.description, "amount": str(money(sc.amount)),
                 "id": sc.id} for sc in extras.services.get(conn.id, [])]
    services_total = sum((Decimal(x["amount"]) for x in services), Decimal("0.00"))
    total = money(water + bill.sewer + services_total)
    seq = extras.prior_numbers.get(conn.id, 0)
    number = f"{year}{month:02d}{conn.number:08d}{seq}"
    table_name = bill.lines[0].table_name if bill.lines else ""
    table = (table_name, next((r.valid_from for r in ctx.rules if r.table_name == table_name), None))
    history = [{"label": fmt.month_short(y, m), "consumption": c, "kind": k}
               for (y, m, c, k) in hist if (y, m) != (year, month)][-6:]
    history.append({"label": fmt.month_short(year, month), "consumption": measured.consumption,
                    "kind": measured.kind})
    quality = ctx.quality(conn.system_id, conn.sector_code, conn.neighbourhood)
    return {
        "version": 1, "number": number, "seq": seq, "year": year, "month": month,
        "reference": f"{month:02d}/{year}", "issue_date": ctx.issue.isoformat(),
        "due_date": ctx.due.isoformat(), "utility": ctx.utility,
        "customer": {"id": consumer.id, "name": consumer.name,
                     "document": mask_document(consumer.document)},
        "connection": _connection_part(ctx, conn, econ, quality.get("system_name")),
        "reading": _reading_part(measured, avg, reading),
        "history": history,
        "tariff": _tariff_part(ctx, conn, bill, rules, table),
        "amounts": {"water": str(water), "sewer": str(bill.sewer), "services": services,
                    "total": str(total)},
        "messages": _messages(ctx, conn, consumer, extras, measured, avg, len(past), total, table),
        "quality": quality,
        "consumer_info": _consumer_info(ctx, conn),
        "payment": _payment(ctx, conn, number, seq, total),
    }


def _table_bands(rules: list[TariffRule], category: str, table: str) -> list[dict[str, Any]]:
    """The whole cascade of the category's table (tender 7.4: "tabela tarifaria com suas
    respectivas faixas e valores"), for the bands the consumption did not reach."""
    rule = next((r for r in rules if r.category == category and r.table_name == table), None)
    if rule is None:
        return []
    out = [{"label": f"00 a {rule.minimum_volume:02d}", "price": None,
            "minimum": str(money(rule.minimum_charge))}]
    out += [{"label": band_label(b.lower, b.upper), "price": str(b.price)} for b in rule.bands]
    return out


def invoice_row(doc: dict[str, Any], batch_id: int | None, seq: int, consumer_id: int) -> dict[str, Any]:
    am = doc["amounts"]
    services = sum((Decimal(s["amount"]) for s in am["services"]), Decimal("0.00"))
    now = utcnow()
    return {"number": doc["number"], "batch_id": batch_id, "seq": seq,
            "connection_id": doc["connection"]["id"], "consumer_id": consumer_id,
            "year": doc["year"], "month": doc["month"],
            "issue_date": dt.date.fromisoformat(doc["issue_date"]),
            "due_date": dt.date.fromisoformat(doc["due_date"]),
            "consumption": doc["reading"]["consumption"], "water": Decimal(am["water"]),
            "sewer": Decimal(am["sewer"]), "services": services, "total": Decimal(am["total"]),
            "barcode": doc["payment"]["barcode"], "typed_line": doc["payment"]["typed_line"],
            "pix": doc["payment"]["pix"], "state": InvoiceState.ISSUED.value, "doc": doc,
            "copies": 0, "created_at": now, "updated_at": now}


def iter_docs(ctx: Context, conn_ids: list[int], skipped: list[dict[str, str]],
              chunk: int = CHUNK) -> Iterator[list[tuple[dict[str, Any], int, list[int]]]]:
    """Build the docs chunk by chunk: [(doc, consumer_id, service_charge_ids)]."""
    s = session()
    for i in range(0, len(conn_ids), chunk):
        ids = conn_ids[i:i + chunk]
        conns = {c.id: c for c in s.scalars(select(Connection).where(Connection.id.in_(ids)))}
        reads = {r.connection_id: r for r in s.scalars(select(Reading).where(
            Reading.connection_id.in_(ids), Reading.year == ctx.year, Reading.month == ctx.month))}
        hists = reading_history.histories(ids, ctx.year, ctx.month, 7)
        extras = load_extras(ids, ctx)
        out = []
        for cid in ids:
            conn = conns[cid]
            try:
                doc = build_doc(ctx, conn, conn.consumer, reads.get(cid), hists.get(cid, []), extras)
            except Skip as exc:
                skipped.append({"matricula": format_matricula(conn.matricula), "motivo": str(exc)})
                continue
            out.append((doc, conn.consumer_id, [x["id"] for x in doc["amounts"]["services"]]))
        for obj in [*conns.values(), *(c.consumer for c in conns.values()), *reads.values()]:
            if obj in s:
                s.expunge(obj)  # keeps memory flat over 25,000 connections
        yield out


# -- simulation and single invoices -----------------------------------------------------------

def due_date_for(group: BillingGroup | None, issue: dt.date, params: Parameters) -> dt.date:
    if group is None:
        return next_business_day(issue + dt.timedelta(days=max(params.due_days_min, 10)))
    y, m = fmt.month_add(issue.year, issue.month, 1 if group.due_day <= issue.day else 0)
    due = dt.date(y, m, group.due_day)
    if (due - issue).days < params.due_days_min:
        y, m = fmt.month_add(y, m, 1)
        due = dt.date(y, m, group.due_day)
    return next_business_day(due)


def simulate(connection_id: int, year: int, month: int, issue: dt.date | None = None) -> dict[str, Any]:
    """The invoice the connection would get, without saving anything (tender 7.5 'simular')."""
    conn = get_or_404(Connection, connection_id, "Ligação não encontrada.")
    issue = issue or dt.date.today()
    p = parameters()
    ctx = make_context(year, month, issue, due_date_for(conn.billing_group, issue, p), conn.billing_group)
    reading = session().scalars(select(Reading).where(
        Reading.connection_id == connection_id, Reading.year == year, Reading.month == month)).first()
    hist = reading_history.history(connection_id, year, month, 7)
    try:
        return build_doc(ctx, conn, conn.consumer, reading, hist, load_extras([connection_id], ctx))
    except Skip as exc:
        raise ValidationError(f"Esta ligação não seria faturada: {exc}.") from exc
