"""Domain errors: what services raise, with a stable machine `code` and a pt-BR `message`.

Free of Flask and SQLAlchemy, so pure modules (core.fmt, the domain packages, the invoice PDF
worker processes) can raise them without loading the web stack; `core.errors` maps them to
HTTP and re-exports them (`from core.errors import ValidationError` keeps working).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the business was broken; nothing was changed."""

    status = 400
    code = "erro_de_negocio"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None,
                          **kwargs: Any) -> None:
        """`class NotFound(DomainError, status=404, code="nao_encontrado")`."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

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


class ValidationError(DomainError, status=422, code="dados_invalidos"):
    """Bad input: a form or JSON body that breaks a rule; `fields` names the fields, each
    with its pt-BR messages (the web shows them beside the field, the API in `fields`)."""


class NotFound(DomainError, status=404, code="nao_encontrado"):
    """The record does not exist (or the user may not know it does)."""


class Conflict(DomainError, status=409, code="conflito"):
    """The request is valid but the record's state does not allow it now: a month already
    closed, a job already running, a sample already received."""


class PermissionDenied(DomainError, status=403, code="acesso_negado"):
    """The user may not do this."""


class IllegalTransition(Conflict, code="transicao_invalida"):
    """A state machine refused the move (lims samples, incidents, work orders)."""
