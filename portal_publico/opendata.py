"""Open data (dados abertos): published water-quality results, monthly summaries, service
notices, systems and points, as JSON or CSV, paginated, with ETags and caching headers.

Versioned twice: the URL (/api/v1/...) and `versao` in every JSON body (the dataset schema,
bumped on any incompatible change). Only PUBLICADA data leaves through here (lims.api).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from flask import Response, request, url_for
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate

from core import fmt
from core.auth import public
from incidents import api as incidents_api
from lims import api as lims_api
from portal_publico import services as sv

SCHEMA_VERSION = "1.0"
LICENCE = "Dados abertos: uso livre com citação da fonte (Licença CC-BY 4.0)."
MAX_AGE = 300
F = TypeVar("F", bound=Callable[..., Any])

api = ApiBlueprint("dados_abertos", __name__, url_prefix="/api/v1/dados-abertos",
                   description="Dados abertos (sem login): resultados publicados da qualidade da "
                               "água, resumos mensais (Decreto 5.440), avisos de serviço, sistemas "
                               "e pontos de coleta. JSON ou CSV (formato=csv), paginado, com ETag.")

# -- the data dictionary (shown on /portal/dados-abertos and in the OpenAPI descriptions) ------

# per dataset: titulo, descricao and campos, each [name, type, description] (a data file, so
# that the dictionary people read is edited as data, not code)
DICTIONARY: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "open_data_dictionary.json").read_text(encoding="utf-8"))


def _iso(v: dt.datetime | None) -> str | None:
    return v.astimezone(dt.UTC).isoformat() if v else None


# -- query arguments (documented in OpenAPI) -----------------------------------------------------

class PageArgs(Schema):
    pagina = fields.Integer(load_default=1, validate=validate.Range(1, 100_000),
                            metadata={"description": "página (a partir de 1)"})
    por_pagina = fields.Integer(load_default=100, validate=validate.Range(1, 1000),
                                metadata={"description": "linhas por página (até 1000)"})
    formato = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]),
                            metadata={"description": "json (padrão) ou csv"})


ID_RANGE = validate.Range(1, 2_147_483_647)  # database integer ids


class ResultArgs(PageArgs):
    sistema = fields.Integer(validate=ID_RANGE, metadata={"description": "id do sistema"})
    ponto = fields.Integer(validate=ID_RANGE, metadata={"description": "id do ponto de coleta"})
    parametro = fields.String(validate=validate.Length(max=80),
                              metadata={"description": "código do parâmetro, ex. turbidez"})
    desde = fields.Date(metadata={"description": "data de coleta inicial (AAAA-MM-DD)"})
    ate = fields.Date(metadata={"description": "data de coleta final (AAAA-MM-DD)"})


class SummaryArgs(PageArgs):
    sistema = fields.Integer(validate=ID_RANGE,
                             metadata={"description": "id do sistema (padrão: todos)"})
    ano = fields.Integer(validate=validate.Range(2000, 2100),
                         metadata={"description": "ano (padrão: o atual)"})
    mes = fields.Integer(validate=validate.Range(1, 12),
                         metadata={"description": "mês (padrão: todos até o atual)"})


class NoticeArgs(PageArgs):
    situacao = fields.String(load_default="ativo",
                             validate=validate.OneOf(["ativo", "encerrado", "todos"]),
                             metadata={"description": "ativo (padrão), encerrado ou todos"})


class PointArgs(PageArgs):
    sistema = fields.Integer(validate=ID_RANGE, metadata={"description": "id do sistema"})


class _Pagination(Schema):
    pagina = fields.Integer()
    por_pagina = fields.Integer()
    proxima = fields.String(allow_none=True, metadata={"description": "URL da próxima página"})
    anterior = fields.String(allow_none=True)


class _Page(Schema):
    versao = fields.String(metadata={"description": "versão do esquema do conjunto de dados"})
    conjunto = fields.String()
    licenca = fields.String()
    gerado_em = fields.DateTime()
    paginacao = fields.Nested(_Pagination)
    dados = fields.List(fields.Dict())


# -- shaping -------------------------------------------------------------------------------------

def _page(dataset: str, rows: Sequence[dict[str, Any]], args: dict[str, Any],
          more: bool) -> Response:
    page, per = args["pagina"], args["por_pagina"]
    query = {k: v for k, v in request.args.items() if k != "pagina"}
    nxt = url_for(request.endpoint, _external=False, **query, pagina=page + 1) if more else None
    prev = url_for(request.endpoint, _external=False, **query, pagina=page - 1) if page > 1 else None
    if args["formato"] == "csv":
        names = [f for f, _t, _d in DICTIONARY[dataset]["campos"]]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        for r in rows:
            w.writerow([_csv(r.get(n)) for n in names])
        body = buf.getvalue().encode("utf-8")
        resp = Response(body, mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'inline; filename="{dataset}-p{page}.csv"'
    else:
        doc = {"versao": SCHEMA_VERSION, "conjunto": dataset, "licenca": LICENCE,
               "paginacao": {"pagina": page, "por_pagina": per, "proxima": nxt, "anterior": prev},
               "dados": list(rows)}
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        resp = Response(body, mimetype="application/json")
    links = [f'<{u}>; rel="{rel}"' for u, rel in ((nxt, "next"), (prev, "prev")) if u]
    if links:
        resp.headers["Link"] = ", ".join(links)
    resp.headers["X-Dados-Versao"] = SCHEMA_VERSION
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Vary"] = "Accept-Encoding"
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return resp.make_conditional(request)


def _csv(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return "|".join(str(x) for x in v)
    return str(v)


def _slice(rows: list[Any], args: dict[str, Any]) -> tuple[list[Any], bool]:
    start = (args["pagina"] - 1) * args["por_pagina"]
    chunk = rows[start:start + args["por_pagina"] + 1]
    return chunk[:args["por_pagina"]], len(chunk) > args["por_pagina"]


def result_row(r: Any) -> dict[str, Any]:
    return {"amostra": r.sample_code, "ponto_id": r.point_id, "ponto": r.point_name,
            "sistema_id": r.system_id, "coletada_em": _iso(r.collected_at),
            "parametro": r.parameter_code, "parametro_nome": r.parameter_name, "valor": r.value,
            "valor_numerico": r.numeric, "unidade": r.unit, "conforme": r.conforming,
            "padrao": r.standard, "publicado_em": _iso(r.published_at)}


def notice_row(n: Any) -> dict[str, Any]:
    return {"protocolo": n.protocol, "tipo": n.kind, "titulo": n.title, "motivo": n.reason,
            "area": n.area_description, "bairros": list(n.neighbourhoods),
            "inicio": _iso(n.started_at), "previsao_retorno": _iso(n.estimated_end_at),
            "encerrado_em": _iso(n.ended_at), "medidas_seguranca": n.safety_measures,
            "situacao": n.status}


def summary_rows(systems: Iterable[Any], months: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
    out = []
    months = list(months)
    systems = list(systems)
    got = sv.summaries([s.id for s in systems], months)
    for s in systems:
        for y, m in months:
            q = got[(s.id, y, m)]
            for p in (q.parameters if q else ()):
                out.append({"sistema_id": s.id, "sistema": s.name, "ano": y, "mes": m,
                            "fechado": q.closed, "parametro": p.parameter_code,
                            "parametro_nome": p.parameter_name, "unidade": p.unit,
                            "padrao": p.standard, "exigidas": p.required,
                            "analisadas": p.analysed, "conformes": p.conforming,
                            "resultado": p.verdict, "media": p.mean, "p95": p.p95,
                            "leituras_de_campo": p.field_readings, "escopo": q.level,
                            "versao_regras": q.rules_version,
                            "regra_contagem": q.counting_rule})
    return out


_DOC = {"responses": {"200": {"description": "Uma página do conjunto: JSON (padrão) ou CSV "
                                             "(formato=csv), com ETag e Link next/prev",
                              "content": {"application/json": {"schema": _Page},
                                          "text/csv": {"schema": {"type": "string"}}}},
                      "304": {"description": "Não modificado (If-None-Match igual ao ETag)"}}}


def _dataset(path: str, args: type[Schema]) -> Callable[[F], F]:
    """A public open-data endpoint at `path`: its query `args`, one page of the set as the
    answer (JSON or CSV, with ETag), documented with `_DOC`."""

    def decorate(fn: F) -> F:
        fn = api.doc(**_DOC)(public(fn))
        fn = api.arguments(args, location="query")(api.response(200, _Page)(fn))
        return api.route(path)(fn)

    return decorate


# -- endpoints -----------------------------------------------------------------------------------

@_dataset("/resultados", ResultArgs)
def results(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Resultados publicados, do mais recente ao mais antigo.

    Filtros por sistema, ponto, parâmetro e período de coleta. Só resultados PUBLICADOS."""
    per = args["por_pagina"]
    rows = sv.safe(lims_api.published_results, point_id=args.get("ponto"),
                   system_id=args.get("sistema"), parameter_code=args.get("parametro"),
                   since=args.get("desde"), until=args.get("ate"), limit=per + 1,
                   offset=(args["pagina"] - 1) * per, default=[])
    return _page("resultados", [result_row(r) for r in rows[:per]], args, len(rows) > per)


@_dataset("/resumos-mensais", SummaryArgs)
def monthly_summaries(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Resumo mensal por sistema e parâmetro básico (Decreto 5.440/2005, Art. 5º I c)."""
    t = fmt.today()
    year = args.get("ano") or t.year
    if args.get("mes"):
        months = [(year, args["mes"])]
    else:
        last = t.month if year == t.year else 12
        months = [(year, m) for m in range(1, last + 1)] if year <= t.year else []
    systems = [s for s in sv.systems() if args.get("sistema") in (None, s.id)]
    rows, more = _slice(summary_rows(systems, months), args)
    return _page("resumos-mensais", rows, args, more)


@_dataset("/avisos", NoticeArgs)
def notices(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Avisos de interrupção, manutenção e qualidade da água, com previsão de retorno."""
    active = {"ativo": True, "encerrado": False, "todos": None}[args["situacao"]]
    per = args["por_pagina"]
    rows = sv.safe(incidents_api.public_notices, active=active, limit=per + 1,
                   offset=(args["pagina"] - 1) * per, default=[])
    return _page("avisos", [notice_row(n) for n in rows[:per]], args, len(rows) > per)


@_dataset("/sistemas", PageArgs)
def systems(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Sistemas de abastecimento do município."""
    rows = [{"id": s.id, "codigo": s.code, "nome": s.name, "tipo": s.kind,
             "populacao_abastecida": s.population_served, "manancial": s.source_type,
             "tratamento": s.treatment_type, "bairros": list(s.neighbourhoods),
             "latitude": s.latitude, "longitude": s.longitude} for s in sv.systems()]
    rows, more = _slice(rows, args)
    return _page("sistemas", rows, args, more)


@_dataset("/pontos", PointArgs)
def points(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Pontos de coleta ativos."""
    rows = [{"id": p.id, "codigo": p.code, "nome": p.name, "sistema_id": p.system_id,
             "tipo": p.kind, "endereco": p.address, "bairro": p.neighbourhood,
             "latitude": p.latitude, "longitude": p.longitude}
            for p in sv.points(args.get("sistema"))]
    rows, more = _slice(rows, args)
    return _page("pontos", rows, args, more)
