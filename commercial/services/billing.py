"""Invoices: the bill of a connection for a month (tender 7.4/7.5), the quality block
(Decreto 5.440 Art. 5 I, read through lims.api only), the payment slip, the batch per billing
group run as a background job with progress, second copies and cancellation."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from commercial.domain.consumption import average
from commercial.domain.dates import next_business_day
from commercial.domain.documents import format_document, format_matricula, mask_document
from commercial.domain.febraban import (
    collection_barcode,
    format_typed_line,
    invoice_free_field,
    typed_line,
)
from commercial.domain.messages import InvoiceFacts, MessageRuleData, messages_for
from commercial.domain.money import money
from commercial.domain.pix import pix_payload
from commercial.domain.tariffs import (
    CATEGORY_LABELS,
    Category,
    TariffRule,
    band_label,
    compute_bill,
)
from commercial.domain.text import digits
from commercial.models import (
    SITUATION_LABELS,
    BatchState,
    BillingGroup,
    Connection,
    Consumer,
    Invoice,
    InvoiceBatch,
    InvoiceState,
    MessageRule,
    Parameters,
    PaymentPlan,
    Reading,
    ServiceCharge,
    Situation,
)
from commercial.services import readings as rd_service
from commercial.services import tariffs as tariff_service
from core import fmt
from core.audit import audit_context
from core.db import get_engine, session, transactional, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationError

log = logging.getLogger(__name__)

CHUNK = 1000


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


# -- the quality block ------------------------------------------------------------------------

def quality_block(system_id: int | None, year: int, month: int, *, months_back: int = 1,
                  more_info: str | None = None, sector_code: str | None = None,
                  neighbourhood: str | None = None) -> dict[str, Any]:
    """The Decreto 5.440 block for a connection: the basic parameters of the latest month the
    lab has closed, at or before (year, month) - months_back (looks up to 3 months back), for
    the most specific closed scope serving the connection (its sector's reservoir, else the
    system), read from the rows the lab stored at closing; if none is closed, the target
    month's published data marked as partial."""
    from lims import api as lims_api

    if system_id is None:
        return {"system_name": "-", "label": "", "parameters": [], "closed": False,
                "note": "Sistema de abastecimento da ligação não identificado; consulte o SAAE.",
                "more_info": more_info or "", "scope_label": ""}
    ty, tm = fmt.month_add(year, month, -months_back)
    summary = None
    try:
        for back in range(0, 3):
            y, m = fmt.month_add(ty, tm, -back)
            s = lims_api.quality_for_connection(system_id, y, m, sector_code=sector_code,
                                                neighbourhood=neighbourhood)
            if s.closed:
                summary = s
                break
            if back == 0:
                first = s
        else:
            summary = first
    except NotImplementedError:
        summary = None
    except Exception:  # the lab's data must never stop the billing
        log.exception("quality summary failed for system %s %s/%s", system_id, ty, tm)
        summary = None
    if summary is None:
        return {"system_name": f"Sistema {system_id}", "label": f"{tm:02d}/{ty}", "parameters": [],
                "closed": False, "note": "Resultados do mês ainda não disponíveis.",
                "more_info": more_info or "", "scope_label": ""}
    params = [{"code": p.parameter_code, "name": p.parameter_name, "unit": p.unit,
               "standard": p.standard, "required": p.required, "analysed": p.analysed,
               "conforming": p.conforming, "verdict": p.verdict,
               "mean": p.mean, "field_readings": p.field_readings} for p in summary.parameters]
    note = "" if summary.closed else "Dados parciais: o mês ainda não foi fechado pelo laboratório."
    return {"system_id": summary.system_id, "system_name": summary.system_name,
            "year": summary.year, "month": summary.month,
            "label": f"{summary.month:02d}/{summary.year}", "level": summary.level,
            "scope_id": summary.scope_id, "scope_label": scope_label(summary),
            "closed": summary.closed, "parameters": params, "note": note,
            "counting_rule": summary.counting_rule,
            "more_info": " ".join(x for x in (more_info, summary.more_info) if x)}


SCOPE_WORDS = {"sistema": "Sistema", "plano": "Plano de amostragem", "reservatorio": "Reservatório"}


def scope_label(summary: Any) -> str:
    """Which closing the bill shows: "Reservatório Alto (Sistema Sede)" or "Sistema Sede"."""
    if summary.level == "sistema" or not summary.scope_name:
        return f"Sistema {summary.system_name}" if not summary.system_name.lower().startswith(
            "sistema") else summary.system_name
    return f"{SCOPE_WORDS.get(summary.level, summary.level)} {summary.scope_name} ({summary.system_name})"


# -- building one invoice ---------------------------------------------------------------------

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


def utility_header() -> dict[str, Any]:
    from core.org import current_organization
    from core.web import settings as _settings

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
    unpaid: dict[int, tuple[int, Decimal]] = {}
    returned: dict[int, dt.date] = {}
    for cid, n, total in s.execute(
            select(Invoice.connection_id, func.count(Invoice.id), func.sum(Invoice.total))
            .where(Invoice.connection_id.in_(conn_ids), Invoice.state == InvoiceState.EMITIDA.value,
                   Invoice.due_date < ctx.issue).group_by(Invoice.connection_id)):
        unpaid[cid] = (int(n), Decimal(total or 0))
    for cid, day in s.execute(
            select(Invoice.connection_id, func.max(Invoice.debit_returned_on))
            .where(Invoice.connection_id.in_(conn_ids), Invoice.debit_returned_on.is_not(None),
                   Invoice.state == InvoiceState.EMITIDA.value).group_by(Invoice.connection_id)):
        returned[cid] = day
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


class Skip(Exception):
    """This connection gets no invoice this month (the reason is reported)."""


def build_doc(ctx: Context, conn: Connection, consumer: Consumer, reading: Reading | None,
              hist: list[tuple[int, int, int, str]], extras: Extras) -> dict[str, Any]:
    """The complete, frozen content of one invoice (what the PDF prints)."""
    year, month = ctx.year, ctx.month
    econ = conn.economias()
    if sum(econ.values()) <= 0:
        raise Skip("ligação sem economias cadastradas")
    past = [c for (y, m, c, k) in hist if (y, m) != (year, month) and k == "real"]
    avg = average(past)
    if reading is None:
        if conn.situation != Situation.ATIVA:
            raise Skip("ligação cortada sem leitura")
        consumption, kind = avg, "media"
        basis = "Faturado pela média: leitura não realizada neste mês."
        prev_value = prev_date = cur_value = None
        cur_date = ctx.issue
    else:
        consumption, kind = reading.consumption, reading.kind
        basis = {"real": "Consumo medido (leitura atual menos a anterior).",
                 "media": "Faturado pela média: leitura não realizada ("
                          f"{reading.occurrence or 'impedimento'}).",
                 "minimo": "Faturado pelo mínimo."}.get(kind, "")
        prev_value, prev_date = reading.previous_value, reading.previous_read_on
        cur_value, cur_date = reading.value, reading.read_on
    if conn.situation == Situation.CORTADA and consumption <= 0:
        raise Skip("ligação cortada sem consumo")
    period = (prev_date, cur_date) if prev_date and cur_date else None
    try:
        rules = [r for r in ctx.rules if r.tariff_type == conn.tariff_type] or ctx.rules
        bill = compute_bill(consumption, econ, rules,
                                   sewer=conn.has_sewer and ctx.bill_sewer, period=period)
    except LookupError as exc:
        raise Skip(f"sem tarifa: {exc}") from exc
    water = bill.water if ctx.bill_water else Decimal("0.00")
    services = [{"description": sc.description, "amount": str(money(sc.amount)),
                 "id": sc.id} for sc in extras.services.get(conn.id, [])]
    services_total = sum((Decimal(x["amount"]) for x in services), Decimal("0.00"))
    total = money(water + bill.sewer + services_total)
    seq = extras.prior_numbers.get(conn.id, 0)
    number = f"{year}{month:02d}{conn.number:08d}{seq}"
    p = ctx.params
    barcode = collection_barcode(
        total, p.febraban_company, invoice_free_field(ctx.due, conn.matricula, year, month, seq),
        value_id=p.value_id)
    line = typed_line(barcode)
    pix = None
    if p.pix_key:
        pix = pix_payload(p.pix_key, p.pix_name or ctx.utility.get("short_name") or "SAAE",
                                 p.pix_city or ctx.utility.get("municipality") or "BRASIL",
                                 total, txid=f"F{number}")
    unpaid = extras.unpaid.get(conn.id, (0, Decimal(0)))
    plan = extras.plans.get(conn.id)
    first = bill.lines[0] if bill.lines else None
    table_name = first.table_name if first else ""
    table_from = next((r.valid_from for r in ctx.rules if r.table_name == table_name), None)
    facts = InvoiceFacts(
        issue_date=ctx.issue, name=consumer.name, matricula=format_matricula(conn.matricula),
        neighbourhood=conn.neighbourhood, sector_code=conn.sector_code, consumption=consumption,
        average=avg, history_months=len(past), total=total, due_date=ctx.due,
        unpaid_count=unpaid[0], unpaid_amount=unpaid[1], direct_debit=conn.direct_debit,
        debit_returned_on=extras.returned.get(conn.id),
        plan_remaining=(plan.instalments - plan.paid_instalments) if plan else 0,
        plan_next_due=plan.next_due if plan else None,
        plan_next_amount=plan.next_amount if plan else None,
        telemetered=conn.meter_telemetered,
        has_mobile_consent=bool(consumer.mobile and consumer.consent),
        situation=conn.situation, tariff_table=table_name, tariff_valid_from=table_from)
    messages = messages_for(ctx.messages, facts)
    history = [{"label": fmt.month_short(y, m), "consumption": c, "kind": k}
               for (y, m, c, k) in hist if (y, m) != (year, month)][-6:]
    history.append({"label": fmt.month_short(year, month), "consumption": consumption,
                    "kind": kind})
    sewer_pct = next((f"{r.sewer_percent.normalize():f}" for r in ctx.rules
                      if first and r.category == first.category), "")
    has_sewer = conn.has_sewer and ctx.bill_sewer
    quality = ctx.quality(conn.system_id, conn.sector_code, conn.neighbourhood)
    u = ctx.utility
    info = {
        "where": " · ".join(x for x in (p.quality_more_info, u.get("website"), u.get("phone")) if x),
        "service": u.get("customer_service") or "",
        "surveillance": u.get("surveillance_body") or "",
        "health": p.health_guidance or HEALTH_GUIDANCE,
        "source": (p.source_notes or {}).get(str(conn.system_id), "") if conn.system_id else "",
    }
    return {
        "version": 1, "number": number, "seq": seq, "year": year, "month": month,
        "reference": f"{month:02d}/{year}", "issue_date": ctx.issue.isoformat(),
        "due_date": ctx.due.isoformat(), "utility": ctx.utility,
        "customer": {"id": consumer.id, "name": consumer.name,
                     "document": mask_document(consumer.document)},
        "connection": {
            "id": conn.id, "matricula": format_matricula(conn.matricula),
            "address": conn.address, "neighbourhood": conn.neighbourhood, "city": conn.city,
            "cep": conn.cep, "group": ctx.group.number if ctx.group else "-",
            "route": conn.route_seq, "sector": conn.sector_code,
            "system_id": conn.system_id, "system_name": quality.get("system_name"),
            "categories": [{"category": k, "label": CATEGORY_LABELS[Category(k)],
                            "economias": v} for k, v in econ.items() if v],
            "situation": SITUATION_LABELS.get(Situation(conn.situation), conn.situation),
            "meter": {"number": conn.meter_number, "diameter": conn.meter_diameter,
                      "telemetered": conn.meter_telemetered}},
        "reading": {"previous_value": prev_value,
                    "previous_date": prev_date.isoformat() if prev_date else None,
                    "current_value": cur_value,
                    "current_date": cur_date.isoformat() if cur_date else None,
                    "consumption": consumption, "kind": kind,
                    "days": (cur_date - prev_date).days if cur_date and prev_date else None,
                    "average": avg, "basis": basis,
                    "occurrence": reading.occurrence if reading else None},
        "history": history,
        "tariff": {"table": table_name, "has_sewer": has_sewer, "valid_from": table_from.isoformat() if table_from else None,
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
                             for ln in bill.lines]},
        "amounts": {"water": str(water), "sewer": str(bill.sewer), "services": services,
                    "total": str(total)},
        "messages": messages,
        "quality": quality,
        "consumer_info": info,
        "payment": {"barcode": barcode, "typed_line": line,
                    "typed_line_fmt": format_typed_line(line), "pix": pix,
                    "direct_debit": conn.direct_debit},
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
            "pix": doc["payment"]["pix"], "state": InvoiceState.EMITIDA.value, "doc": doc,
            "copies": 0, "created_at": now, "updated_at": now}


def _billable(group_id: int) -> Any:
    return (select(Connection.id).where(Connection.billing_group_id == group_id,
                                        Connection.situation != Situation.SUPRIMIDA.value)
            .order_by(Connection.neighbourhood, Connection.street, Connection.route_seq,
                      Connection.id))


def iter_docs(ctx: Context, conn_ids: list[int], skipped: list[dict[str, str]],
              chunk: int = CHUNK) -> Iterator[list[tuple[dict[str, Any], int, list[int]]]]:
    """Build the docs chunk by chunk: [(doc, consumer_id, service_charge_ids)]."""
    s = session()
    for i in range(0, len(conn_ids), chunk):
        ids = conn_ids[i:i + chunk]
        conns = {c.id: c for c in s.scalars(select(Connection).where(Connection.id.in_(ids)))}
        reads = {r.connection_id: r for r in s.scalars(select(Reading).where(
            Reading.connection_id.in_(ids), Reading.year == ctx.year, Reading.month == ctx.month))}
        hists = rd_service.histories(ids, ctx.year, ctx.month, 7)
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
    conn = session().get(Connection, connection_id)
    if conn is None:
        raise NotFound("Ligação não encontrada.")
    issue = issue or dt.date.today()
    p = parameters()
    ctx = make_context(year, month, issue, due_date_for(conn.billing_group, issue, p), conn.billing_group)
    reading = session().scalars(select(Reading).where(
        Reading.connection_id == connection_id, Reading.year == year, Reading.month == month)).first()
    hist = rd_service.history(connection_id, year, month, 7)
    try:
        return build_doc(ctx, conn, conn.consumer, reading, hist, load_extras([connection_id], ctx))
    except Skip as exc:
        raise ValidationError(f"Esta ligação não seria faturada: {exc}.") from exc


# -- batches ----------------------------------------------------------------------------------

def invoices_dir() -> Path:
    from core.web import settings as _settings

    try:
        base = Path(_settings().data_dir)
    except Exception:  # noqa: BLE001
        base = Path("var")
    return base / "commercial" / "faturas"


def request_batch(group_id: int, year: int, month: int, *, issue_date: dt.date | None = None,
                  due_date: dt.date | None = None, user_id: int | None = None,
                  run: bool = True) -> InvoiceBatch:
    """Schedule the invoice batch of a group and month; the job runs in the background
    (core.tasks) and its progress is on the batch row. A batch dated in the future waits for
    `tasks.run_due_batches`; its SMS notices are scheduled now."""
    batch = _create_batch(group_id, year, month, issue_date=issue_date, due_date=due_date,
                          user_id=user_id)
    # enqueued after the commit, so a worker never looks for a batch row it cannot see yet
    if run and batch.issue_date <= dt.date.today():
        start_batch_job(batch.id, user_id=user_id)
    return batch


def batch_subject(batch_id: int) -> str:
    return f"commercial.batch:{batch_id}"


def start_batch_job(batch_id: int, *, user_id: int | None = None, start: bool = True) -> Any:
    """Queue the batch as a tracked job (heartbeat, interruption, resume/cancel: core.jobs)."""
    from core import jobs

    b = session().get(InvoiceBatch, batch_id)
    assert b is not None
    return jobs.submit("commercial.tasks.run_batch",
                       f"Lote de faturas #{b.id} ({b.month:02d}/{b.year})",
                       subject=batch_subject(b.id), kwargs={"batch_id": b.id},
                       cancel_path="commercial.tasks.cancel_batch",
                       permission="commercial.billing.run", user_id=user_id, start=start)


@transactional
def cancel_batch(batch_id: int) -> None:
    """The job was cancelled: nothing of the batch was stored (one transaction); its partial
    PDFs go, and a new batch for the month may be requested."""
    import shutil

    b = session().get(InvoiceBatch, batch_id)
    if b is None or b.state == BatchState.CONCLUIDO.value:
        return
    with audit_context(reason="Lote de faturas cancelado"):
        b.state = BatchState.CANCELADO.value
        b.finished_at = utcnow()
        b.error = "Cancelado antes de concluir; nenhuma fatura foi emitida."
    shutil.rmtree(invoices_dir() / f"{b.year}-{b.month:02d}" / f"lote-{batch_id}",
                  ignore_errors=True)


@transactional
def _create_batch(group_id: int, year: int, month: int, *, issue_date: dt.date | None,
                  due_date: dt.date | None, user_id: int | None) -> InvoiceBatch:
    s = session()
    group = s.get(BillingGroup, group_id)
    if group is None:
        raise NotFound("Grupo de faturamento não encontrado.")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValidationError("Mês de referência inválido.", fields={"mes": ["1 a 12"]})
    running = s.scalars(select(InvoiceBatch).where(
        InvoiceBatch.billing_group_id == group_id, InvoiceBatch.year == year,
        InvoiceBatch.month == month,
        InvoiceBatch.state.in_([BatchState.PENDENTE.value, BatchState.PROCESSANDO.value,
                                BatchState.CONCLUIDO.value]))).first()
    if running is not None:
        raise Conflict(f"Já existe um lote deste grupo para {month:02d}/{year} "
                       f"({running.state}).")
    issue = issue_date or dt.date.today()
    p = parameters()
    due = due_date or due_date_for(group, issue, p)
    if (due - issue).days < p.due_days_min:
        raise ValidationError(f"O vencimento deve ficar ao menos {p.due_days_min} dias após a emissão.",
                              fields={"vencimento": ["cedo demais"]})
    with audit_context(reason=f"Lote de faturas do grupo {group.number} {month:02d}/{year}"):
        batch = InvoiceBatch(billing_group_id=group_id, year=year, month=month, issue_date=issue,
                             due_date=due, requested_by_id=user_id, state=BatchState.PENDENTE.value)
        s.add(batch)
        s.flush()
    from commercial.services import delivery

    delivery.schedule_issue_notices(batch)
    return batch


def _progress(batch_id: int, done: int) -> None:
    """Progress that the page can poll while the batch's own transaction is still open."""
    eng = get_engine()
    if eng.dialect.name != "postgresql":
        return
    try:
        with eng.connect() as c:
            c.execute(text("SET LOCAL lock_timeout = '200ms'"))
            c.execute(update(InvoiceBatch.__table__).where(InvoiceBatch.__table__.c.id == batch_id)
                      .values(done=done))
            c.commit()
    except Exception:  # noqa: BLE001  progress is best effort
        log.debug("progress update skipped", exc_info=True)


def run_batch(batch_id: int, *, processes: int | None = None, print_file: bool = True) -> dict[str, Any]:
    """The background job: compute and store every invoice of the batch (one transaction),
    render their PDFs in worker processes, write the print file. Returns figures."""
    s = session()
    batch = s.get(InvoiceBatch, batch_id)
    if batch is None:
        raise NotFound("Lote não encontrado.")
    from core import jobs

    # PROCESSANDO only when a person resumed the job of a dead worker: its transaction died
    # with it, so no invoice of the batch exists and the run starts over
    resumable = (BatchState.PENDENTE.value, BatchState.FALHOU.value,
                 *((BatchState.PROCESSANDO.value,) if jobs.resuming() else ()))
    if batch.state not in resumable:
        return {"state": batch.state}
    with unit_of_work_reason("Início do lote de faturas"):
        batch.state = BatchState.PROCESSANDO.value
        batch.started_at = utcnow()
        batch.error = None
        batch.done = 0
    t0 = time.perf_counter()
    try:
        figures = _run(batch_id, processes=processes, print_file=print_file)
    except Exception as exc:
        s.rollback()
        log.exception("invoice batch %s failed", batch_id)
        b = s.get(InvoiceBatch, batch_id)
        if b is not None:  # None when the caller's own transaction held the batch row
            with unit_of_work_reason("Falha no lote de faturas"):
                b.state = BatchState.FALHOU.value
                b.error = str(exc)[:2000]
                b.finished_at = utcnow()
        raise
    figures["seconds"] = round(time.perf_counter() - t0, 2)
    return figures


class unit_of_work_reason:  # noqa: N801  small helper: a unit of work with an audit reason
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __enter__(self) -> None:
        from core.db import unit_of_work

        self._ac = audit_context(reason=self.reason)
        self._ac.__enter__()
        self._uow = unit_of_work()
        self._uow.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._uow.__exit__(*exc)
        finally:
            self._ac.__exit__(*exc)


def _run(batch_id: int, *, processes: int | None, print_file: bool) -> dict[str, Any]:
    from commercial.services.pdfpool import Renderer
    from core import jobs

    s = session()
    batch = s.get(InvoiceBatch, batch_id)
    assert batch is not None
    group = s.get(BillingGroup, batch.billing_group_id)
    from commercial.services.registry import match_systems

    match_systems()  # connections typed before the LIMS knew their system get its id now
    ctx = make_context(batch.year, batch.month, batch.issue_date, batch.due_date, group)
    conn_ids = list(s.scalars(_billable(batch.billing_group_id)))
    skipped: list[dict[str, str]] = []
    out_dir = invoices_dir() / f"{batch.year}-{batch.month:02d}" / f"lote-{batch_id}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.pdf"):
        old.unlink()
    seq = 0
    timings = {"compute": 0.0, "insert": 0.0}
    renderer = Renderer(processes)
    index: list[tuple[Any, ...]] = []  # the print file's manifest, in delivery order
    try:
        with audit_context(reason=f"Lote de faturas {batch.month:02d}/{batch.year}"):
            t = time.perf_counter()
            for chunk in iter_docs(ctx, conn_ids, skipped):
                timings["compute"] += time.perf_counter() - t
                t = time.perf_counter()
                rows, items, service_ids = [], [], []
                for doc, consumer_id, sids in chunk:
                    seq += 1
                    path = out_dir / f"{doc['number']}.pdf"
                    row = invoice_row(doc, batch_id, seq, consumer_id)
                    row["pdf_path"] = str(path)
                    rows.append(row)
                    items.append((str(path), doc))
                    service_ids.extend((sid, doc["number"]) for sid in sids)
                    cn = doc["connection"]
                    index.append((seq, doc["number"], cn["matricula"], doc["customer"]["name"],
                                  cn["address"], cn["neighbourhood"], doc["amounts"]["total"],
                                  doc["due_date"], path.name))
                if rows:
                    s.execute(insert(Invoice.__table__), rows)
                    for sid, number in service_ids:
                        inv_id = s.scalar(select(Invoice.id).where(Invoice.number == number))
                        s.execute(update(ServiceCharge.__table__)
                                  .where(ServiceCharge.__table__.c.id == sid).values(invoice_id=inv_id))
                    renderer.submit(items, None)
                timings["insert"] += time.perf_counter() - t
                _progress(batch_id, seq)
                jobs.progress(seq, len(conn_ids))
                t = time.perf_counter()
            pdf_figures = renderer.finish()
    finally:
        renderer.close()
    t = time.perf_counter()
    print_path = _bundle_print_file(out_dir, index, batch_id) if print_file and index else None
    timings["print_file"] = time.perf_counter() - t
    batch = s.get(InvoiceBatch, batch_id)
    assert batch is not None
    with audit_context(reason=f"Lote de faturas concluído: {seq} faturas"):
        batch.state = BatchState.CONCLUIDO.value
        batch.total = seq + len(skipped)
        batch.done = seq
        batch.skipped = skipped[:5000]
        batch.finished_at = utcnow()
        batch.print_file = print_path
        s.commit()
    from commercial.services import delivery

    delivery.queue_invoice_emails(batch_id)
    return {"invoices": seq, "skipped": len(skipped), **{k: round(v, 2) for k, v in timings.items()},
            **pdf_figures, "print_file": print_path}


def _bundle_print_file(out_dir: Path, index: list[tuple[Any, ...]], batch_id: int) -> str:
    """The print shop's file: one ZIP with every invoice PDF in delivery order (neighbourhood,
    street, route) and `indice.csv` listing sequence, number, addressee and amount."""
    import csv
    import io
    import zipfile

    path = out_dir.parent / f"lote-{batch_id}-impressao.zip"
    manifest = io.StringIO()
    w = csv.writer(manifest, delimiter=";")
    w.writerow(["sequencia", "numero", "matricula", "cliente", "endereco", "bairro", "total",
                "vencimento", "arquivo"])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for row in index:
            w.writerow(row)
            z.write(out_dir / row[-1], arcname=f"{row[0]:06d}-{row[-1]}")
        z.writestr("indice.csv", manifest.getvalue().encode("utf-8-sig"),
                   compress_type=zipfile.ZIP_DEFLATED)
    return str(path)


def batch_status(batch_id: int) -> dict[str, Any]:
    """What the progress page polls (reads committed progress)."""
    b = session().get(InvoiceBatch, batch_id)
    if b is None:
        raise NotFound("Lote não encontrado.")
    session().refresh(b)
    total = b.total or 0
    if b.state in (BatchState.PENDENTE.value, BatchState.PROCESSANDO.value) and not total:
        total = session().scalar(select(func.count()).select_from(
            _billable(b.billing_group_id).subquery())) or 0
    pct = 100 if b.state == BatchState.CONCLUIDO.value else (int(b.done * 100 / total) if total else 0)
    state, reason = b.state, None
    if b.state in (BatchState.PENDENTE.value, BatchState.PROCESSANDO.value):
        from core import jobs

        job = jobs.latest_for(batch_subject(b.id))
        if job is not None and job.state == jobs.JobState.INTERROMPIDO:
            state, reason = "interrompido", job.interrupted_reason
        elif job is not None and job.state == jobs.JobState.EXECUTANDO and job.done > b.done:
            b.done = job.done  # SQLite: progress only on the job row (heartbeat)
    return {"id": b.id, "estado": state, "motivo": reason, "feitas": b.done, "total": total, "percentual": pct,
            "ignoradas": len(b.skipped or []), "erro": b.error,
            "inicio": b.started_at.isoformat() if b.started_at else None,
            "fim": b.finished_at.isoformat() if b.finished_at else None}


# -- single invoice operations ----------------------------------------------------------------

def get_invoice(invoice_id: int) -> Invoice:
    inv = session().get(Invoice, invoice_id)
    if inv is None:
        raise NotFound("Fatura não encontrada.")
    return inv


def by_number(number: str) -> Invoice:
    inv = session().scalars(select(Invoice).where(Invoice.number == number)).first()
    if inv is None:
        raise NotFound("Fatura não encontrada.")
    return inv


def invoice_pdf(invoice_id: int, *, copy: bool = False) -> bytes:
    """The invoice's PDF; a second copy is re-rendered from the frozen content, marked."""
    from commercial import pdf

    inv = get_invoice(invoice_id)
    if not copy and inv.pdf_path and Path(inv.pdf_path).exists():
        return Path(inv.pdf_path).read_bytes()
    return pdf.render_invoice(inv.doc, copy=copy)


@transactional
def second_copy(invoice_id: int, reason: str = "2a via solicitada") -> bytes:
    from commercial import pdf

    inv = get_invoice(invoice_id)
    if inv.state == InvoiceState.CANCELADA.value:
        raise Conflict("Fatura cancelada não tem 2a via.")
    with audit_context(reason=reason):
        inv.copies = (inv.copies or 0) + 1
        session().flush()
    return pdf.render_invoice(inv.doc, copy=True)


@transactional
def cancel_invoice(invoice_id: int, reason: str) -> Invoice:
    if len((reason or "").strip()) < 10:
        raise ValidationError("Informe o motivo do cancelamento (mínimo 10 caracteres).",
                              fields={"motivo": ["obrigatorio"]})
    inv = get_invoice(invoice_id)
    if inv.state != InvoiceState.EMITIDA.value:
        raise Conflict(f"Fatura {inv.state} não pode ser cancelada.")
    with audit_context(reason=reason.strip()):
        inv.state = InvoiceState.CANCELADA.value
        for sc in session().scalars(select(ServiceCharge).where(ServiceCharge.invoice_id == inv.id)):
            sc.invoice_id = None  # back to "to bill"
        session().flush()
    return inv


@transactional
def mark_paid(number: str, paid_on: dt.date, reason: str = "Baixa informada pela arrecadação") -> Invoice:
    inv = by_number(number)
    if inv.state != InvoiceState.EMITIDA.value:
        raise Conflict(f"Fatura {inv.state}.")
    with audit_context(reason=reason):
        inv.state = InvoiceState.PAGA.value
        inv.paid_at = paid_on
        session().flush()
    return inv


@transactional
def mark_debit_returned(number: str, day: dt.date) -> Invoice:
    inv = by_number(number)
    with audit_context(reason="Débito automático devolvido pelo banco"):
        inv.debit_returned_on = day
        session().flush()
    return inv


@transactional
def issue_single(connection_id: int, year: int, month: int, reason: str,
                 issue: dt.date | None = None) -> Invoice:
    """An invoice outside the group's batch (tender 7.5 'emissao antecipada / nao gerada')."""
    if len((reason or "").strip()) < 10:
        raise ValidationError("Informe o motivo (mínimo 10 caracteres).", fields={"motivo": ["obrigatorio"]})
    s = session()
    if s.scalars(select(Invoice.id).where(Invoice.connection_id == connection_id, Invoice.year == year,
                                          Invoice.month == month,
                                          Invoice.state != InvoiceState.CANCELADA.value)).first():
        raise Conflict("A ligação já tem fatura neste mês.")
    doc = simulate(connection_id, year, month, issue)
    conn = s.get(Connection, connection_id)
    assert conn is not None
    with audit_context(reason=reason.strip()):
        row = invoice_row(doc, None, 0, conn.consumer_id)
        inv = Invoice(**{k: v for k, v in row.items() if k not in ("created_at", "updated_at")})
        s.add(inv)
        s.flush()
        for sv in doc["amounts"]["services"]:
            sc = s.get(ServiceCharge, sv["id"])
            if sc is not None:
                sc.invoice_id = inv.id
        s.flush()
    return inv


@transactional
def add_service(connection_id: int, description: str, amount: Any) -> ServiceCharge:
    errors = {}
    description = " ".join((description or "").split())
    if len(description) < 3:
        errors["description"] = ["Descreva o serviço."]
    try:
        value = money(Decimal(str(amount).replace(",", ".")))
        if value <= 0:
            raise ValueError
    except Exception:  # noqa: BLE001
        errors["amount"] = ["Valor inválido."]
        value = Decimal(0)
    if session().get(Connection, connection_id) is None:
        raise NotFound("Ligação não encontrada.")
    if errors:
        raise ValidationError("Confira o serviço.", fields=errors)
    with audit_context(reason="Serviço a faturar"):
        sc = ServiceCharge(connection_id=connection_id, description=description[:200], amount=value)
        session().add(sc)
        session().flush()
    return sc


def invoices_of(connection_id: int, limit: int = 24) -> list[Invoice]:
    return list(session().scalars(select(Invoice).where(Invoice.connection_id == connection_id)
                                  .order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.id.desc())
                                  .limit(limit)))


def batches(limit: int = 50) -> list[InvoiceBatch]:
    return list(session().scalars(select(InvoiceBatch).order_by(InvoiceBatch.id.desc()).limit(limit)))
