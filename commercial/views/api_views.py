"""JSON API (flask-smorest, in the OpenAPI document): connections and consumers lookup,
invoices (JSON, PDF second copy, payment notice from collection), batches."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from commercial import api as commercial_api
from commercial.domain.documents import format_matricula, mask_document
from commercial.models import SITUATION_LABELS, Connection, Consumer, Invoice, Situation
from commercial.services import batches, invoices, lookups, reading_history, registry
from commercial.views.blueprints import api
from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.db import session
from core.web import current


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


# -- answers: each a dataclass, the one list of its fields; the OpenAPI schema is derived -----

@dataclass(frozen=True)
class CustomerAnswer:
    id: int
    nome: str
    documento: str | None
    celular: str | None
    email: str | None
    canais: tuple[str, ...]
    consentimento: bool
    fatura_por_email: bool


@dataclass(frozen=True)
class ConsumptionAnswer:
    ano: int
    mes: int
    consumo_m3: int
    tipo: str


@dataclass(frozen=True)
class ConnectionAnswer:
    id: int
    matricula: str
    matricula_formatada: str
    titular: str
    endereco: str
    bairro: str
    cidade: str
    setor: str | None
    trecho: str | None
    sistema_id: int | None
    situacao: str
    situacao_rotulo: str
    economias: dict[str, int]
    hidrometro: str | None
    telemedido: bool
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class ConnectionFullAnswer(ConnectionAnswer):
    cliente: CustomerAnswer
    diametro_hidrometro: str | None
    esgoto: bool
    grupo_faturamento: int | None
    debito_automatico: bool
    cep: str | None
    historico: tuple[ConsumptionAnswer, ...]


CustomerOut = dataclass_schema(CustomerAnswer, "CustomerOut",
                               descriptions={"documento": "CPF/CNPJ mascarado"})
ConsumptionOut = dataclass_schema(ConsumptionAnswer, "ConsumptionOut")
ConnectionOut = dataclass_schema(ConnectionAnswer, "ConnectionOut",
                                 descriptions={"economias": "economias por categoria"})
ConnectionFullOut = dataclass_schema(
    ConnectionFullAnswer, "ConnectionFullOut", descriptions={"economias": "economias por categoria"},
    cliente=fields.Nested(CustomerOut), historico=fields.List(fields.Nested(ConsumptionOut)))
ContactOut = dataclass_schema(commercial_api.Contact, "ContactOut",
                              descriptions={"mobile": "celular E.164"})


class AreaOut(Schema):
    ligacoes = fields.Integer()
    contatos = fields.List(fields.Nested(ContactOut), metadata={"description": "com contatos=true"})


LocationOut = dataclass_schema(commercial_api.ServiceLocation, "LocationOut")


@dataclass(frozen=True)
class InvoiceAnswer:
    id: int
    numero: str
    matricula: str
    referencia: str
    emissao: str
    vencimento: str
    consumo_m3: int
    agua: str
    esgoto: str
    servicos: str
    total: str
    situacao: str
    linha_digitavel: str
    codigo_barras: str
    pix_copia_e_cola: str | None
    pago_em: str | None


@dataclass(frozen=True)
class InvoiceFullAnswer(InvoiceAnswer):
    documento: dict


_INVOICE_DOCS = {"referencia": "MM/AAAA", "agua": "reais, ponto decimal"}
InvoiceOut = dataclass_schema(InvoiceAnswer, "InvoiceOut", descriptions=_INVOICE_DOCS)
InvoiceFullOut = dataclass_schema(InvoiceFullAnswer, "InvoiceFullOut", descriptions={
    **_INVOICE_DOCS, "documento": "todo o conteúdo impresso da fatura"})


def customer_answer(cu: Consumer) -> CustomerAnswer:
    return CustomerAnswer(id=cu.id, nome=cu.name, documento=mask_document(cu.document),
                          celular=cu.mobile, email=cu.email, canais=tuple(cu.channels or ()),
                          consentimento=cu.consent, fatura_por_email=cu.invoice_by_email)


def connection_answer(c: Connection, **full: Any) -> ConnectionAnswer:
    """The answer about `c`; given the fields only the full answer has, a ConnectionFullAnswer."""
    kind = ConnectionFullAnswer if full else ConnectionAnswer
    return kind(
        id=c.id, matricula=c.matricula, matricula_formatada=format_matricula(c.matricula),
        titular=c.consumer.name, endereco=c.address, bairro=c.neighbourhood,
        cidade=c.city, setor=c.sector_code, trecho=c.segment_code,
        sistema_id=c.system_id, situacao=c.situation,
        situacao_rotulo=SITUATION_LABELS.get(Situation(c.situation), c.situation),
        economias=c.economias(), hidrometro=c.meter_number,
        telemedido=c.meter_telemetered, latitude=c.latitude, longitude=c.longitude, **full)


def invoice_answer(inv: Invoice, with_doc: bool = False) -> InvoiceAnswer:
    """The answer about `inv`; with_doc: the full answer, with all its printed content."""
    full = {"documento": inv.doc} if with_doc else {}
    return (InvoiceFullAnswer if with_doc else InvoiceAnswer)(
        id=inv.id, numero=inv.number, matricula=inv.doc["connection"]["matricula"],
        referencia=f"{inv.month:02d}/{inv.year}", emissao=inv.issue_date.isoformat(),
        vencimento=inv.due_date.isoformat(), consumo_m3=inv.consumption,
        agua=str(inv.water), esgoto=str(inv.sewer), servicos=str(inv.services),
        total=str(inv.total), situacao=inv.state, linha_digitavel=inv.typed_line,
        codigo_barras=inv.barcode, pix_copia_e_cola=inv.pix,
        pago_em=inv.paid_at.isoformat() if inv.paid_at else None, **full)


BatchOut = dataclass_schema(batches.BatchProgress, "BatchOut",
                            descriptions={"motivo": "por que um lote interrompido parou"})


@api.route("/ligacoes")
class ConnectionsApi(MethodView):
    @operation(api, "commercial.registry.view", LookupArgs, location="query",
               out=ConnectionOut(many=True), dump=False, description="Ligacoes")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Busca ligacoes por matricula (com ou sem digito), hidrometro, nome, CPF/CNPJ, rua ou bairro."""

        rows = lookups.search_connections(args["q"], neighbourhood=args.get("bairro"),
                                           situation=args.get("situacao"), limit=args["limite"],
                                           offset=args["inicio"])
        return [asdict(connection_answer(c)) for c in rows]


@api.route("/ligacoes/<string:matricula>")
class ConnectionApi(MethodView):
    @operation(api, "commercial.registry.view", out=ConnectionFullOut, dump=False,
               description="A ligacao")
    def get(self, matricula):  # type: ignore[no-untyped-def]
        """Uma ligacao pela matricula, com o cliente e os canais de contato."""

        c = registry.by_matricula(matricula)
        today = dt.date.today()
        history = tuple(ConsumptionAnswer(y, m, v, k) for y, m, v, k
                        in reading_history.history(c.id, today.year, today.month, 7))
        return asdict(connection_answer(
            c, cliente=customer_answer(c.consumer), diametro_hidrometro=c.meter_diameter,
            esgoto=c.has_sewer, grupo_faturamento=c.billing_group.number if c.billing_group else None,
            debito_automatico=c.direct_debit, cep=c.cep, historico=history))


@api.route("/area")
class AreaApi(MethodView):
    @operation(api, "commercial.registry.view", AreaArgs, location="query", out=AreaOut, dump=False,
               description="Ligacoes da area")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Quantas ligacoes ativas ha numa area (setores, trechos, bairros ou sistema) e,
        com contatos=true, quem sao e como avisa-los."""

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
    @operation(api, "commercial.registry.view", LookupArgs, location="query",
               out=LocationOut(many=True), dump=False, description="Onde e abastecido")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Onde uma matricula, rua ou bairro e abastecido (sistema e setor)."""

        return [asdict(x) for x in commercial_api.locate(args["q"], args["limite"])]


@api.route("/faturas")
class InvoicesApi(MethodView):
    @operation(api, "commercial.invoices.view", InvoiceArgs, location="query",
               out=InvoiceOut(many=True), dump=False, description="Faturas")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Faturas, as mais recentes primeiro (filtre por matricula e referencia)."""

        stmt = select(Invoice).order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.id.desc())
        if args.get("matricula"):
            stmt = stmt.where(Invoice.connection_id == registry.by_matricula(args["matricula"]).id)
        if args.get("ano"):
            stmt = stmt.where(Invoice.year == args["ano"])
        if args.get("mes"):
            stmt = stmt.where(Invoice.month == args["mes"])
        return [asdict(invoice_answer(i)) for i in session().scalars(stmt.limit(args["limite"]))]


@api.route("/faturas/<string:numero>")
class InvoiceApi(MethodView):
    @operation(api, "commercial.invoices.view", out=InvoiceFullOut, dump=False,
               description="A fatura")
    def get(self, numero):  # type: ignore[no-untyped-def]
        """Uma fatura com todo o seu conteúdo impresso (inclusive o bloco de qualidade da água)."""

        return asdict(invoice_answer(invoices.by_number(numero), with_doc=True))


@api.route("/faturas/<string:numero>/pdf")
class InvoicePdfApi(MethodView):
    @require("commercial.invoices.view")
    @api.alt_response(200, success=True, description="PDF da 2a via", content_type="application/pdf",
                      schema={"type": "string", "format": "binary"})
    def get(self, numero):  # type: ignore[no-untyped-def]
        """2a via da fatura em PDF (mesmo conteúdo da original, marcada como 2a via)."""

        inv = invoices.by_number(numero)
        data = invoices.second_copy(inv.id)
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="fatura-{numero}-2via.pdf"'})


@api.route("/faturas/<string:numero>/pagamento")
class InvoicePaymentApi(MethodView):
    @operation(api, "commercial.invoices.manage", PaymentIn, out=InvoiceOut, dump=False,
               description="A fatura atualizada")
    def post(self, data, numero):  # type: ignore[no-untyped-def]
        """Informa o pagamento (ou a devolucao do debito automatico) vindo da arrecadacao."""

        if data["debito_devolvido"]:
            return asdict(invoice_answer(invoices.mark_debit_returned(numero, data["data_pagamento"])))
        return asdict(invoice_answer(invoices.mark_paid(numero, data["data_pagamento"])))


@api.route("/lotes")
class BatchesApi(MethodView):
    @operation(api, "commercial.billing.run", BatchIn, status=201, out=BatchOut, dump=False,
               description="O lote agendado")
    def post(self, data):  # type: ignore[no-untyped-def]
        """Agenda (ou inicia, se a emissão for hoje) o lote de faturas de um grupo e mês."""

        b = batches.request_batch(data["grupo"], data["ano"], data["mes"],
                                  issue_date=data["emissao"], due_date=data["vencimento"],
                                  user_id=current().id)
        return asdict(batches.batch_status(b.id)), 201


@api.route("/lotes/<int:batch_id>")
class BatchApi(MethodView):
    @operation(api, "commercial.billing.run", out=BatchOut, dump=False,
               description="Estado do lote")
    def get(self, batch_id):  # type: ignore[no-untyped-def]
        """Estado e progresso de um lote."""

        return asdict(batches.batch_status(batch_id))
