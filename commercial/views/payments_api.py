"""JSON API of the banks' return files (in the OpenAPI document): import a file (base64 in a
JSON body: the same all-or-nothing import as the page), list files, a file's lines with their
outcome, and an invoice's payments."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from commercial.domain.return_outcomes import LineOutcome
from commercial.models.payments import ReturnFile, ReturnLine
from commercial.services import invoices, payment_plans, payment_records, return_import
from commercial.views.blueprints import api
from core.api_operation import operation
from core.db import get_or_404, session
from core.errors import ValidationError


class ReturnFileIn(Schema):
    nome_arquivo = fields.String(required=True, validate=validate.Length(1, 200))
    conteudo_base64 = fields.String(required=True, validate=validate.Length(1, 28_000_000),
                                    metadata={"description": "o arquivo do banco, em base64"})


class LinesArgs(Schema):
    resultado = fields.String(validate=validate.OneOf([o.value for o in LineOutcome]))
    limite = fields.Integer(load_default=500, validate=validate.Range(1, 5000))
    inicio = fields.Integer(load_default=0, validate=validate.Range(0))


class ReturnFileOut(Schema):
    id = fields.Integer()
    tipo = fields.String(metadata={"description": "arrecadacao | debito_automatico"})
    arquivo = fields.String()
    sha256 = fields.String()
    banco = fields.String()
    convenio = fields.String()
    nsa = fields.Integer()
    gerado_em = fields.String()
    linhas = fields.Integer()
    valor_total = fields.String(metadata={"description": "reais, ponto decimal"})
    valor_baixado = fields.String()
    resultados = fields.Dict(keys=fields.String(), values=fields.Integer(),
                             metadata={"description": "linhas por resultado (pago, duplicado, ...)"})
    importado_em = fields.String()
    importado_por = fields.String(allow_none=True)


class ReturnLineOut(Schema):
    linha = fields.Integer()
    codigo_barras = fields.String(allow_none=True)
    referencia = fields.String(allow_none=True)
    fatura_id = fields.Integer(allow_none=True)
    data = fields.String(allow_none=True)
    valor = fields.String()
    valor_fatura = fields.String(allow_none=True)
    codigo_retorno = fields.String(allow_none=True)
    resultado = fields.String()
    mensagem = fields.String()


class InstalmentOut(Schema):
    parcelamento = fields.Integer()
    parcela = fields.Integer()
    de = fields.Integer()
    vencimento = fields.String()
    valor = fields.String()
    paga_em = fields.String(allow_none=True)


class InvoicePaymentsOut(Schema):
    numero = fields.String()
    situacao = fields.String()
    pagamento = fields.Dict(allow_none=True, metadata={"description": "data, valor, origem"})
    debitos_devolvidos = fields.List(fields.Dict())
    parcelas = fields.List(fields.Nested(InstalmentOut))


def file_json(f: ReturnFile) -> dict[str, Any]:
    return {"id": f.id, "tipo": f.kind, "arquivo": f.file_name, "sha256": f.sha256,
            "banco": f.bank_code, "convenio": f.agreement, "nsa": f.sequence,
            "gerado_em": f.generated_on.isoformat(), "linhas": f.lines, "valor_total": str(f.total),
            "valor_baixado": str(f.applied_amount), "resultados": dict(f.counts or {}),
            "importado_em": f.created_at.isoformat(), "importado_por": f.username}


def line_json(ln: ReturnLine) -> dict[str, Any]:
    return {"linha": ln.line_no, "codigo_barras": ln.barcode, "referencia": ln.reference,
            "fatura_id": ln.invoice_id, "data": ln.paid_on.isoformat() if ln.paid_on else None,
            "valor": str(ln.amount), "valor_fatura": None if ln.expected is None else str(ln.expected),
            "codigo_retorno": ln.return_code, "resultado": ln.outcome, "mensagem": ln.message}


@api.route("/retornos")
class ReturnFilesApi(MethodView):
    @operation(api, "commercial.payments.import", out=ReturnFileOut(many=True), dump=False,
               description="Arquivos importados")
    def get(self):  # type: ignore[no-untyped-def]
        """Os arquivos de retorno importados, os mais recentes primeiro."""
        rows = session().scalars(select(ReturnFile).order_by(ReturnFile.id.desc()).limit(100))
        return [file_json(f) for f in rows]

    @operation(api, "commercial.payments.import", ReturnFileIn, status=201, out=ReturnFileOut,
               dump=False, description="O arquivo importado e a contagem por resultado")
    def post(self, data):  # type: ignore[no-untyped-def]
        """Importa um arquivo de retorno FEBRABAN de 150 posições (arrecadação com código de
        barras ou débito automático): tudo ou nada; 422 `arquivo_retorno_invalido` com a
        linha e a posição do erro, 409 `arquivo_ja_importado` se o arquivo já foi importado."""
        try:
            content = base64.b64decode(data["conteudo_base64"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Conteúdo base64 inválido.",
                                  fields={"conteudo_base64": ["base64 inválido"]}) from exc
        return file_json(return_import.import_return_file(content, data["nome_arquivo"])), 201


@api.route("/retornos/<int:file_id>")
class ReturnFileApi(MethodView):
    @operation(api, "commercial.payments.import", out=ReturnFileOut, dump=False,
               description="O arquivo")
    def get(self, file_id):  # type: ignore[no-untyped-def]
        """Um arquivo de retorno: banco, NSA, hash, quem importou e a contagem por resultado."""
        return file_json(get_or_404(ReturnFile, file_id, "Arquivo de retorno não encontrado."))


@api.route("/retornos/<int:file_id>/linhas")
class ReturnLinesApi(MethodView):
    @operation(api, "commercial.payments.import", LinesArgs, location="query",
               out=ReturnLineOut(many=True), dump=False, description="Linhas do arquivo")
    def get(self, args, file_id):  # type: ignore[no-untyped-def]
        """O resultado de cada linha do arquivo (filtre por resultado)."""
        f = get_or_404(ReturnFile, file_id, "Arquivo de retorno não encontrado.")
        stmt = select(ReturnLine).where(ReturnLine.file_id == f.id)
        if args.get("resultado"):
            stmt = stmt.where(ReturnLine.outcome == args["resultado"])
        rows = session().scalars(stmt.order_by(ReturnLine.line_no).limit(args["limite"])
                                 .offset(args["inicio"]))
        return [line_json(ln) for ln in rows]


@api.route("/faturas/<string:numero>/pagamentos")
class InvoicePaymentsApi(MethodView):
    @operation(api, "commercial.invoices.view", out=InvoicePaymentsOut, dump=False,
               description="Pagamentos da fatura")
    def get(self, numero):  # type: ignore[no-untyped-def]
        """O pagamento de uma fatura, os débitos automáticos devolvidos e as parcelas de
        parcelamento cobradas nela."""
        inv = invoices.by_number(numero)
        p = payment_records.payment_of(inv.id)
        return {
            "numero": inv.number, "situacao": inv.state,
            "pagamento": {"data": p.paid_on.isoformat(), "valor": str(p.amount), "origem": p.source}
            if p else None,
            "debitos_devolvidos": [{"data": r.returned_on.isoformat(), "codigo": r.return_code,
                                    "motivo": r.reason} for r in payment_records.returns_of(inv.id)],
            "parcelas": [{"parcelamento": pl.id, "parcela": i.number, "de": pl.instalments,
                          "vencimento": i.due_date.isoformat(), "valor": str(i.amount),
                          "paga_em": i.paid_on.isoformat() if i.paid_on else None}
                         for i, pl in payment_plans.instalments_on_invoice(inv.id)],
        }
