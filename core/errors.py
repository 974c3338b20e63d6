"""Domain errors and their one mapping to HTTP: pt-BR pages for people, JSON for the API.

Services raise `DomainError` subclasses with a stable machine `code` and a Portuguese
`message`; they never return half-done work (the unit of work rolls back).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import marshmallow as ma
from flask import Flask, Request, current_app, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from core.db import session
from core.domain_errors import (  # noqa: F401  re-exported: the one place callers import
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)

log = logging.getLogger(__name__)


HTTP_MESSAGES = {
    503: "Serviço temporariamente indisponível.",
    400: "Requisição inválida.",
    401: "E preciso entrar no sistema.",
    403: "Você não tem permissão para acessar esta página.",
    404: "Página não encontrada.",
    405: "Método não permitido.",
    409: "Conflito com o estado atual do registro.",
    413: "Arquivo grande demais.",
    422: "Dados inválidos.",
    429: "Muitas requisições; tente novamente em instantes.",
    500: "Erro interno. A equipe de TI foi avisada.",
}


CSRF_MESSAGE = ("O formulário expirou ou não veio desta página. Recarregue a página e tente "
                "de novo.")


def wants_json(req: Request) -> bool:
    if req.path.startswith("/api/"):
        return True
    best = req.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and req.accept_mimetypes[best] > req.accept_mimetypes["text/html"]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


_LOCATIONS = {"json", "query", "form", "files", "path", "view_args", "headers", "cookies",
              "querystring", "json_or_form"}


# marshmallow's English messages, as the pt-BR the API promises (exact ones, then patterns)
_PT_MESSAGES = {
    "Missing data for required field.": "Campo obrigatório.",
    "Field may not be null.": "O campo não pode ser nulo.",
    "Unknown field.": "Campo desconhecido.",
    "Invalid input type.": "Tipo de dado inválido.",
    "Invalid value.": "Valor inválido.",
    "Not a valid integer.": "Informe um número inteiro.",
    "Not a valid number.": "Informe um número.",
    "Not a valid boolean.": "Informe true ou false.",
    "Not a valid string.": "Informe um texto.",
    "Not a valid list.": "Informe uma lista.",
    "Not a valid mapping type.": "Informe um objeto.",
    "Not a valid datetime.": "Data e hora inválidas (use ISO 8601, ex. 2026-03-01T10:00:00Z).",
    "Not a valid date.": "Data inválida (use AAAA-MM-DD).",
    "Not a valid time.": "Hora inválida (use HH:MM).",
    "Not a valid email address.": "E-mail inválido.",
    "Not a valid URL.": "Endereço (URL) inválido.",
    "Not a valid UUID.": "Identificador (UUID) inválido.",
    "Not a valid decimal.": "Informe um número decimal.",
    "Special numeric values (nan or infinity) are not permitted.": "Informe um número finito.",
    "Invalid input.": "Dado inválido.",
}
_PT_PATTERNS = [
    (re.compile(r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$"),
     r"Deve estar entre \1 e \2."),
    (re.compile(r"^Must be greater than or equal to (.+)\.$"), r"Deve ser maior ou igual a \1."),
    (re.compile(r"^Must be less than or equal to (.+)\.$"), r"Deve ser menor ou igual a \1."),
    (re.compile(r"^Must be greater than (.+)\.$"), r"Deve ser maior que \1."),
    (re.compile(r"^Must be less than (.+)\.$"), r"Deve ser menor que \1."),
    (re.compile(r"^Shorter than minimum length (.+)\.$"), r"Mínimo de \1 caracteres."),
    (re.compile(r"^Longer than maximum length (.+)\.$"), r"Máximo de \1 caracteres."),
    (re.compile(r"^Length must be between (.+) and (.+)\.$"), r"Entre \1 e \2 caracteres."),
    (re.compile(r"^Length must be (.+)\.$"), r"Deve ter exatamente \1 caracteres."),
    (re.compile(r"^Must be one of: (.+)\.$"), r"Use um destes valores: \1."),
]


def translate(message: Any) -> Any:
    """pt-BR for marshmallow's messages, recursively; unknown texts pass unchanged."""
    if isinstance(message, str):
        if message in _PT_MESSAGES:
            return _PT_MESSAGES[message]
        for pattern, repl in _PT_PATTERNS:
            if pattern.match(message):
                return pattern.sub(repl, message)
        return message
    if isinstance(message, list):
        return [translate(m) for m in message]
    if isinstance(message, dict):
        return {str(k): translate(v) for k, v in message.items()}
    return message


def flatten_locations(messages: Any) -> Any:
    """webargs nests messages by location ({"json": {"campo": [...]}}); clients want
    {"campo": ["mensagem em portugues"]}."""
    if isinstance(messages, dict) and messages and set(messages) <= _LOCATIONS:
        flat: dict[str, Any] = {}
        for per_location in messages.values():
            if isinstance(per_location, dict):
                flat.update({str(k): v for k, v in per_location.items()})
            else:
                flat.setdefault("_schema", per_location)
        return translate(flat)
    return translate(messages)


class _ErrorDetail(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "código estável do erro"})
    message = ma.fields.String(required=True, metadata={"description": "mensagem em portugues"})
    fields = ma.fields.Dict(metadata={"description": "mensagens por campo (erros de validação)"})


class ApiErrorSchema(ma.Schema):
    """The JSON error body of every API response, as documented in the OpenAPI document."""

    error = ma.fields.Nested(_ErrorDetail, required=True)


def register_error_handlers(app: Flask) -> None:
    app.after_request(_errors_not_cached)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa_exc.DataError, _data_error)
    for lost in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError):
        app.register_error_handler(lost, _database_down)
    app.register_error_handler(Exception, _unexpected)


def _errors_not_cached(resp: Any) -> Any:
    if resp.status_code >= 400 and "Cache-Control" not in resp.headers:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _domain_error(exc: DomainError) -> Any:
    if wants_json(request):
        return jsonify(error_body(exc.code, exc.message, exc.fields)), exc.status
    if request.method == "POST" and exc.status in (400, 409, 422):
        flash(exc.message, "erro")
        return redirect(request.referrer or request.url)
    return render_template("erro.html", status=exc.status, message=exc.message), exc.status


HTTP_CODES = {422: "dados_invalidos", 401: "nao_autenticado", 403: "acesso_negado",
              404: "nao_encontrado"}


def _http_message(exc: HTTPException, status: int) -> str:
    if isinstance(exc, CSRFError):
        return CSRF_MESSAGE
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if status == 413 and limit:
        return (f"Arquivo grande demais: o limite é de {limit // (1024 * 1024)} MB por envio. "
                "Reduza o arquivo (ou envie em partes) e tente de novo.")
    return HTTP_MESSAGES.get(status, exc.name)


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    message = _http_message(exc, status)
    if not wants_json(request):
        return render_template("erro.html", status=status, message=message), status
    fields = None
    data = getattr(exc, "data", None)  # webargs / flask-smorest validation details
    if isinstance(data, dict) and "messages" in data:
        fields = flatten_locations(data["messages"])
    resp = jsonify(error_body(HTTP_CODES.get(status, f"http_{status}"), message, fields))
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="saae"'
    return resp


def _data_error(exc: sa_exc.DataError) -> Any:
    # a value the database cannot take (a number out of range, a NUL character): the
    # request was wrong, not the server; nothing was written
    log.warning("database refused a value on %s %s: %s", request.method, request.path,
                exc.orig, exc_info=True)
    session.rollback()
    message = "Valor fora do intervalo aceito ou com caracteres inválidos."
    if wants_json(request):
        return jsonify(error_body("valor_invalido", message)), 422
    return render_template("erro.html", status=422, message=message), 422


def _database_down(exc: Exception) -> Any:
    log.error("database unavailable on %s %s: %s", request.method, request.path,
              getattr(exc, "orig", exc))
    return unavailable_response()


def _unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path)
    session.rollback()
    if wants_json(request):
        return jsonify(error_body("erro_interno", HTTP_MESSAGES[500])), 500
    return render_template("erro.html", status=500, message=HTTP_MESSAGES[500]), 500


UNAVAILABLE_MESSAGE = ("O sistema está temporariamente indisponível: o banco de dados não "
                       "responde. Tente novamente em alguns minutos.")
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Serviço indisponível</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Serviço temporariamente indisponível</h1><p>{message}</p>
<p>Código 503.</p></main></body></html>"""


def unavailable_response() -> Any:
    """503, never cached, in pt-BR: the database (or another backing service) is down.

    Rendered without templates: the page layout, the logged-in user and the utility's name
    all come from the database that is down."""
    try:
        session.rollback()
    except Exception:  # noqa: BLE001  the connection is gone; nothing to roll back
        log.debug("rollback after a lost database failed", exc_info=True)
    if wants_json(request):
        resp = jsonify(error_body("servico_indisponivel", UNAVAILABLE_MESSAGE))
    else:
        resp = app_response(UNAVAILABLE_PAGE.format(message=escape(UNAVAILABLE_MESSAGE)))
    resp.status_code = 503
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Retry-After"] = "30"
    return resp


def app_response(html: str) -> Any:
    return current_app.response_class(html, mimetype="text/html")
