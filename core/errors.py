"""Domain errors and their one mapping to HTTP: pt-BR pages for people, JSON for the API.

Services raise `DomainError` subclasses with a stable machine `code` and a Portuguese
`message`; they never return half-done work (the unit of work rolls back).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, flash, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the business was broken; nothing was changed."""

    status = 400
    code = "erro_de_negocio"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 422
    code = "dados_invalidos"


class NotFound(DomainError):
    status = 404
    code = "nao_encontrado"


class Conflict(DomainError):
    status = 409
    code = "conflito"


class PermissionDenied(DomainError):
    status = 403
    code = "acesso_negado"


class IllegalTransition(Conflict):
    code = "transicao_invalida"


HTTP_MESSAGES = {
    400: "Requisicao invalida.",
    401: "E preciso entrar no sistema.",
    403: "Voce nao tem permissao para acessar esta pagina.",
    404: "Pagina nao encontrada.",
    405: "Metodo nao permitido.",
    409: "Conflito com o estado atual do registro.",
    413: "Arquivo grande demais.",
    422: "Dados invalidos.",
    429: "Muitas requisicoes; tente novamente em instantes.",
    500: "Erro interno. A equipe de TI foi avisada.",
}


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        if wants_json(request):
            return jsonify(error_body(exc.code, exc.message, exc.fields)), exc.status
        if request.method == "POST" and exc.status in (400, 409, 422):
            flash(exc.message, "erro")
            return redirect(request.referrer or request.url)
        return (
            render_template("erro.html", status=exc.status, message=exc.message),
            exc.status,
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.name)
        if wants_json(request):
            fields = None
            data = getattr(exc, "data", None)  # webargs / flask-smorest validation details
            if isinstance(data, dict) and "messages" in data:
                fields = data["messages"]
            code = {422: "dados_invalidos", 401: "nao_autenticado", 403: "acesso_negado",
                    404: "nao_encontrado"}.get(status, f"http_{status}")
            resp = jsonify(error_body(code, message, fields))
            resp.status_code = status
            if status == 401:
                resp.headers["WWW-Authenticate"] = 'Bearer realm="saae"'
            return resp
        return render_template("erro.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        from core.db import session

        session.rollback()
        if wants_json(request):
            return jsonify(error_body("erro_interno", HTTP_MESSAGES[500])), 500
        return render_template("erro.html", status=500, message=HTTP_MESSAGES[500]), 500
