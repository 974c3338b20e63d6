"""JSON API (flask-smorest, in the OpenAPI document): connections and consumers lookup,
invoices (JSON, PDF second copy, payment notice from collection), batches."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from commercial import domain
from commercial.models import SITUATION_LABELS, Connection, Invoice, Situation
from commercial.views import api
from core.auth import require
from core.db import session


class LookupArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=120),
                      metadata={"description": "matrícula, hidrômetro, nome, CPF/CNPJ, rua ou bairro"})
    bairro = fields.String(validate=validate.Length(max=120))
    situacao = fields.String(validate=validate.OneOf([s.value for s in Situation]))
    limite = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    inicio = fields.Integer(load_default=0, validate=validate.Range(0))


class AreaArgs(Schema):
    setor = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)
    trecho = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    bairro = fields.List(fields.String(validate=validate.Length(max=120)), load_default=list)
    sistema = fields.Integer()
    contatos = fields.Boolean(load_default=False)


class InvoiceArgs(Schema):
    matricula = fields.String(validate=validate.Length(max=20))
    ano = fields.Integer(validate=validate.Range(2000, 2100))
    mes = fields.Integer(validate=validate.Range(1, 12))
    limite = fields.Integer(load_default=24, validate=validate.Range(1, 200))


class PaymentIn(Schema):
    data_pagamento = fields.Date(required=True)
    debito_devolvido = fields.Boolean(load_default=False)


class BatchIn(Schema):
    grupo = fields.Integer(required=True, validate=validate.Range(1))
    ano = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    mes = fields.Integer(required=True, validate=validate.Range(1, 12))
    emissao = fields.Date(load_default=None)
    vencimento = fields.Date(load_default=None)


def connection_json(c: Connection, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "matricula": c.matricula, "matricula_formatada": domain.format_matricula(c.matricula),
        "titular": c.consumer.name, "endereco": c.address, "bairro": c.neighbourhood,
        "cidade": c.city, "setor": c.sector_code, "trecho": c.segment_code,
        "sistema_id": c.system_id, "situacao": c.situation,
        "situacao_rotulo": SITUATION_LABELS.get(Situation(c.situation), c.situation),
        "economias": c.economias(), "hidrometro": c.meter_number,
        "telemedido": c.meter_telemetered, "latitude": c.latitude, "longitude": c.longitude,
    }
    if full:
        cu = c.consumer
        out.update({
            "cliente": {"id": cu.id, "nome": cu.name, "documento": domain.mask_document(cu.document),
                        "celular": cu.mobile, "email": cu.email, "canais": cu.channels or [],
                        "consentimento": cu.consent, "fatura_por_email": cu.invoice_by_email},
            "diametro_hidrometro": c.meter_diameter, "esgoto": c.has_sewer,
            "grupo_faturamento": c.billing_group.number if c.billing_group else None,
            "debito_automatico": c.direct_debit, "cep": c.cep,
        })
    return out


def invoice_json(inv: Invoice, with_doc: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": inv.id, "numero": inv.number, "matricula": inv.doc["connection"]["matricula"],
        "referencia": f"{inv.month:02d}/{inv.year}", "emissao": inv.issue_date.isoformat(),
        "vencimento": inv.due_date.isoformat(), "consumo_m3": inv.consumption,
        "agua": str(inv.water), "esgoto": str(inv.sewer), "servicos": str(inv.services),
        "total": str(inv.total), "situacao": inv.state, "linha_digitavel": inv.typed_line,
        "codigo_barras": inv.barcode, "pix_copia_e_cola": inv.pix,
        "pago_em": inv.paid_at.isoformat() if inv.paid_at else None,
    }
    if with_doc:
        out["documento"] = inv.doc
    return out


@api.route("/ligacoes")
class ConnectionsApi(MethodView):
    @require("commercial.registry.view")
    @api.arguments(LookupArgs, location="query")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Busca ligacoes por matricula (com ou sem digito), hidrometro, nome, CPF/CNPJ, rua ou bairro."""
        from commercial.services import registry

        rows = registry.search_connections(args["q"], neighbourhood=args.get("bairro"),
                                           situation=args.get("situacao"), limit=args["limite"],
                                           offset=args["inicio"])
        return [connection_json(c) for c in rows]


@api.route("/ligacoes/<string:matricula>")
class ConnectionApi(MethodView):
    @require("commercial.registry.view")
    def get(self, matricula):  # type: ignore[no-untyped-def]
        """Uma ligacao pela matricula, com o cliente e os canais de contato."""
        from commercial.services import readings, registry

        c = registry.by_matricula(matricula)
        out = connection_json(c, full=True)
        today = dt.date.today()
        out["historico"] = [{"ano": y, "mes": m, "consumo_m3": v, "tipo": k}
                            for y, m, v, k in readings.history(c.id, today.year, today.month, 7)]
        return out


@api.route("/area")
class AreaApi(MethodView):
    @require("commercial.registry.view")
    @api.arguments(AreaArgs, location="query")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Quantas ligacoes ativas ha numa area (setores, trechos, bairros ou sistema) e,
        com contatos=true, quem sao e como avisa-los."""
        from commercial import api as commercial_api

        area = commercial_api.Area(sector_codes=tuple(args["setor"]),
                                   segment_codes=tuple(args["trecho"]),
                                   neighbourhoods=tuple(args["bairro"]),
                                   system_id=args.get("sistema"))
        if not args["contatos"]:
            return {"ligacoes": commercial_api.count_in_area(area)}
        contacts = commercial_api.consumers_in_area(area)
        return {"ligacoes": len(contacts), "contatos": [asdict(c) for c in contacts]}


@api.route("/localizar")
class LocateApi(MethodView):
    @require("commercial.registry.view")
    @api.arguments(LookupArgs, location="query")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Onde uma matricula, rua ou bairro e abastecido (sistema e setor)."""
        from commercial import api as commercial_api

        return [asdict(x) for x in commercial_api.locate(args["q"], args["limite"])]


@api.route("/faturas")
class InvoicesApi(MethodView):
    @require("commercial.invoices.view")
    @api.arguments(InvoiceArgs, location="query")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Faturas, as mais recentes primeiro (filtre por matricula e referencia)."""
        from commercial.services import registry

        stmt = select(Invoice).order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.id.desc())
        if args.get("matricula"):
            stmt = stmt.where(Invoice.connection_id == registry.by_matricula(args["matricula"]).id)
        if args.get("ano"):
            stmt = stmt.where(Invoice.year == args["ano"])
        if args.get("mes"):
            stmt = stmt.where(Invoice.month == args["mes"])
        return [invoice_json(i) for i in session().scalars(stmt.limit(args["limite"]))]


@api.route("/faturas/<string:numero>")
class InvoiceApi(MethodView):
    @require("commercial.invoices.view")
    def get(self, numero):  # type: ignore[no-untyped-def]
        """Uma fatura com todo o seu conteudo impresso (inclusive o bloco de qualidade da agua)."""
        from commercial.services import billing

        return invoice_json(billing.by_number(numero), with_doc=True)


@api.route("/faturas/<string:numero>/pdf")
class InvoicePdfApi(MethodView):
    @require("commercial.invoices.view")
    @api.response(200, description="PDF da 2a via")
    def get(self, numero):  # type: ignore[no-untyped-def]
        """2a via da fatura em PDF (mesmo conteudo da original, marcada como 2a via)."""
        from commercial.services import billing

        inv = billing.by_number(numero)
        data = billing.second_copy(inv.id)
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="fatura-{numero}-2via.pdf"'})


@api.route("/faturas/<string:numero>/pagamento")
class InvoicePaymentApi(MethodView):
    @require("commercial.invoices.manage")
    @api.arguments(PaymentIn)
    def post(self, data, numero):  # type: ignore[no-untyped-def]
        """Informa o pagamento (ou a devolucao do debito automatico) vindo da arrecadacao."""
        from commercial.services import billing

        if data["debito_devolvido"]:
            return invoice_json(billing.mark_debit_returned(numero, data["data_pagamento"]))
        return invoice_json(billing.mark_paid(numero, data["data_pagamento"]))


@api.route("/lotes")
class BatchesApi(MethodView):
    @require("commercial.billing.run")
    @api.arguments(BatchIn)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Agenda (ou inicia, se a emissao for hoje) o lote de faturas de um grupo e mes."""
        from commercial.services import billing
        from core.web import current

        b = billing.request_batch(data["grupo"], data["ano"], data["mes"],
                                  issue_date=data["emissao"], due_date=data["vencimento"],
                                  user_id=current().id)
        return billing.batch_status(b.id), 201


@api.route("/lotes/<int:batch_id>")
class BatchApi(MethodView):
    @require("commercial.billing.run")
    def get(self, batch_id):  # type: ignore[no-untyped-def]
        """Estado e progresso de um lote."""
        from commercial.services import billing

        return billing.batch_status(batch_id)
