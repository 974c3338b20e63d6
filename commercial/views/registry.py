"""Pages: the commercial panel, connections (search, detail, form) and consumers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, flash, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select

from commercial.domain.contacts import format_phone
from commercial.domain.documents import format_document, format_matricula
from commercial.domain.tariffs import CATEGORY_LABELS
from commercial.models import (
    CHANNEL_LABELS,
    CHANNELS,
    ECONOMIA_FIELDS,
    SITUATION_LABELS,
    Connection,
    Invoice,
    InvoiceBatch,
    Reading,
    ServiceCharge,
    Situation,
)
from commercial.pdf import VERDICT_TEXT, date_as_printed, number_as_printed
from commercial.services import invoice_docs, invoices, lookups, reading_history, registry
from commercial.services.areas import neighbourhood_names
from commercial.services.billing_groups import groups
from commercial.views.blueprints import bp
from core import fmt
from core.auth import require
from core.db import session, unit_of_work
from core.errors import ValidationError
from core.web import done, query_int
from render.svg.bar_chart import Bar, bar_chart

# the home page's last invoice batch, its shown columns (built once: asked on every view)
_LAST_BATCH = (select(InvoiceBatch.id, InvoiceBatch.month, InvoiceBatch.year, InvoiceBatch.done,
                      InvoiceBatch.state).order_by(InvoiceBatch.id.desc()).limit(1))


def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    if user is None or not user.can("commercial.registry.view"):
        return []
    s = session()
    active = lookups.active_connections()
    last = s.execute(_LAST_BATCH).first()
    out = [{"title": "Ligações ativas", "value": f"{active:,}".replace(",", "."),
            "url": url_for("commercial.connections"), "hint": "Cadastro comercial"}]
    if last is not None:
        out.append({"title": f"Último lote ({last.month:02d}/{last.year})",
                    "value": f"{last.done}", "url": url_for("commercial.batch", batch_id=last.id),
                    "hint": f"faturas - {last.state}",
                    "tone": "alerta" if last.state == "falhou" else ""})
    return out


@bp.route("/")
@require("commercial.registry.view")
def home():  # type: ignore[no-untyped-def]
    s = session()
    by_sit = dict(s.execute(select(Connection.situation, func.count(Connection.id))
                            .group_by(Connection.situation)).all())
    by_sector = s.execute(select(Connection.sector_code, func.count(Connection.id))
                          .where(Connection.situation == Situation.ACTIVE.value)
                          .group_by(Connection.sector_code).order_by(Connection.sector_code)).all()
    batches = s.scalars(select(InvoiceBatch).order_by(InvoiceBatch.id.desc()).limit(5)).all()
    return render_template("commercial/painel.html", by_sit=by_sit, by_sector=by_sector,
                           batches=batches, labels=SITUATION_LABELS)


@bp.route("/ligacoes")
@require("commercial.registry.view")
def connections():  # type: ignore[no-untyped-def]
    q = request.args.get("q", "").strip()
    hood = request.args.get("bairro") or None
    sit = request.args.get("situacao") or None
    page = query_int("pagina", 1, minimum=1, maximum=100_000)
    rows = lookups.connection_rows(q, neighbourhood=hood, situation=sit, limit=51,
                                   offset=(page - 1) * 50)
    # one url_for for the page's 50 links: /comercial/ligacoes/0 less its id
    link = url_for("commercial.connection", connection_id=0).removesuffix("0")
    return render_template("commercial/ligacoes.html", rows=rows[:50], more=len(rows) > 50,
                           page=page, q=q, hood=hood, sit=sit, link=link,
                           hoods=neighbourhood_names(), labels=SITUATION_LABELS,
                           fmt=format_matricula)


def history_svg(hist: list[tuple[int, int, int, str]]) -> Markup:
    """Six-month consumption bars, server-rendered (works without JavaScript); the last month
    dark, averaged months grey."""
    if not hist:
        return Markup('<p class="discreto">Sem leituras.</p>')
    last = len(hist) - 1
    bars = [Bar(fmt.month_short(y, m), c, tip=f"{fmt.month_short(y, m)}: {c} m3 ({k})",
                color="#0b4f8a" if i == last else
                ("#9aa7b4" if k == "media" else "#8fb3d6"))
            for i, (y, m, c, k) in enumerate(hist)]
    return bar_chart("Histórico de consumo em m3", bars, vertical=True, width=360, height=140,
                     caption=False, css_class="grafico-consumo", fixed_width=True)


@bp.route("/ligacoes/<int:connection_id>")
@require("commercial.registry.view")
def connection(connection_id: int):  # type: ignore[no-untyped-def]
    conn = registry.get_connection(connection_id)
    today = dt.date.today()
    hist = reading_history.history(conn.id, today.year, today.month, 7)
    last_readings = session().scalars(select(Reading).where(Reading.connection_id == conn.id)
                                      .order_by(Reading.year.desc(), Reading.month.desc())
                                      .limit(12)).all()
    services = session().scalars(select(ServiceCharge).where(
        ServiceCharge.connection_id == conn.id).order_by(ServiceCharge.id.desc()).limit(20)).all()
    return render_template("commercial/ligacao.html", c=conn, consumer=conn.consumer,
                           invoices=invoices.invoices_of(conn.id), readings=last_readings,
                           chart=history_svg(hist[-7:]), services=services,
                           labels=SITUATION_LABELS, fmt=format_matricula,
                           phone=format_phone, doc=format_document,
                           channel_labels=CHANNEL_LABELS, cats=CATEGORY_LABELS)


def _form_values(form: Any) -> dict[str, Any]:
    data = {k: form.get(k) for k in form}
    for k in ("has_sewer", "meter_telemetered", "direct_debit", "consent", "invoice_by_email"):
        data[k] = form.get(k) == "on"
    data["channels"] = form.getlist("channels")
    data["phones"] = form.get("phones", "")
    return data


@bp.route("/ligacoes/nova", methods=["GET", "POST"])
@bp.route("/ligacoes/<int:connection_id>/editar", methods=["GET", "POST"])
@require("commercial.registry.edit")
def edit_connection(connection_id: int | None = None):  # type: ignore[no-untyped-def]
    """The connection form, new or existing: the customer's fields (`c_...`) and the
    connection's are saved in one unit of work; a new connection whose document is an
    existing customer's may be linked to that customer (`vincular_cliente`) instead."""
    conn = registry.get_connection(connection_id) if connection_id else None
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _form_values(request.form)
        reason = (values.get("motivo") or "").strip() or None
        try:
            with unit_of_work():
                cdata = {k[2:]: v for k, v in values.items() if k.startswith("c_")}
                cdata.update({k: values.get(k) for k in ("channels", "consent", "invoice_by_email")})
                cdata["phones"] = values.get("c_phones", "")
                consumer_id = conn.consumer_id if conn else None
                holder = registry.consumer_by_document(cdata.get("document", "")) if conn is None else None
                if holder is not None and request.form.get("vincular_cliente") == "1":
                    consumer = holder  # a second connection of an existing customer
                else:
                    try:
                        consumer = registry.save_consumer(cdata, consumer_id, reason=reason)
                    except ValidationError as exc:
                        errors.update({f"c_{k}": v for k, v in exc.fields.items()})
                        consumer = None
                values["consumer_id"] = consumer.id if consumer else (conn.consumer_id if conn else None)
                try:
                    conn_saved = registry.save_connection(values, connection_id, reason=reason)
                except ValidationError as exc:
                    errors.update({k: v for k, v in exc.fields.items()
                                   if not (k == "consumer_id" and consumer is None)})
                if errors:
                    raise ValidationError("Confira os campos destacados.", fields=errors)
        except ValidationError as exc:
            flash(exc.message, "erro")
            errors = exc.fields or errors
        else:
            return _back_to_connection(conn_saved.id,
                                       f"Ligação {format_matricula(conn_saved.matricula)} gravada.")
    elif conn is not None:
        values = {k: getattr(conn, k) for k in (
            "street", "house_number", "complement", "neighbourhood", "city", "cep", "sector_code",
            "segment_code", "system_id", "system_code", "tariff_type", "has_sewer", "meter_number",
            "meter_diameter", "meter_telemetered", "meter_installed_on", "situation",
            "direct_debit", "latitude", "longitude", "billing_group_id", "route_seq",
            *ECONOMIA_FIELDS)}
        cu = conn.consumer
        values.update({"c_name": cu.name, "c_document": cu.document or "", "c_email": cu.email or "",
                       "c_phones": ", ".join(cu.phones or []), "channels": cu.channels or [],
                       "consent": cu.consent, "invoice_by_email": cu.invoice_by_email,
                       "c_notes": cu.notes or ""})
    else:
        values = {"has_sewer": True, "residencial": 1, "situation": "ativa", "city": "",
                  "channels": [], "tariff_type": "normal"}

    holder = (registry.consumer_by_document(values.get("c_document", ""))
              if conn is None and request.method == "POST" else None)
    return render_template("commercial/ligacao_form.html", c=conn, v=values, errors=errors, holder=holder,
                           groups=groups(), channels=CHANNELS, channel_labels=CHANNEL_LABELS,
                           econ=ECONOMIA_FIELDS, cats=CATEGORY_LABELS,
                           situations=SITUATION_LABELS, hoods=_hoods())


def _back_to_connection(connection_id: int, message: str) -> Any:
    return done(message, "commercial.connection", connection_id=connection_id)


def _hoods() -> list[str]:
    return neighbourhood_names()


@bp.route("/ligacoes/<int:connection_id>/situacao", methods=["POST"])
@require("commercial.registry.edit")
def set_situation(connection_id: int):  # type: ignore[no-untyped-def]
    """The connection page's situation form (ativa, cortada, suprimida); the reason given
    is the audit record's."""
    registry.set_situation(connection_id, request.form.get("situation", ""),
                           request.form.get("motivo", ""))
    return _back_to_connection(connection_id, "Situação alterada.")


@bp.route("/ligacoes/<int:connection_id>/servicos", methods=["POST"])
@require("commercial.invoices.manage")
def add_service(connection_id: int):  # type: ignore[no-untyped-def]
    invoices.add_service(connection_id, request.form.get("description", ""),
                        request.form.get("amount", ""))
    return _back_to_connection(connection_id, "Serviço incluído; será cobrado na próxima fatura.")


@bp.route("/ligacoes/<int:connection_id>/simular")
@require("commercial.invoices.view")
def simulate_invoice(connection_id: int):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    y = query_int("ano", today.year, minimum=1900, maximum=2200)
    m = query_int("mes", today.month, minimum=1, maximum=12)
    doc = invoice_docs.simulate(connection_id, y, m)

    return render_template("commercial/simulacao.html", doc=doc, connection_id=connection_id,
                           num=number_as_printed, dmy=date_as_printed, verdicts=VERDICT_TEXT)


@bp.route("/faturas/<int:invoice_id>.pdf")
@require("commercial.invoices.view")
def invoice_pdf(invoice_id: int):  # type: ignore[no-untyped-def]
    copy = request.args.get("via") == "2"
    data = invoices.second_copy(invoice_id) if copy else invoices.invoice_pdf(invoice_id)
    inv = session().get(Invoice, invoice_id)
    name = f"fatura-{inv.number}{'-2via' if copy else ''}.pdf"  # type: ignore[union-attr]
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})

