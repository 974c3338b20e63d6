"""One decorator for a documented JSON API method (flask-smorest): who may call it, its
validated arguments and its answer, instead of the same three-decorator stack in every area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint

from core.auth.marks import require

F = TypeVar("F", bound=Callable[..., Any])


def operation(blp: Blueprint, permission: str, args: Any = None, *, location: str = "json",
              status: int = 200, out: Any = None, dump: bool = True,
              description: str | None = None) -> Callable[[F], F]:
    """`require(permission)`, then `blp.arguments(args, location=location)` when `args` is
    given, then the answer `status` with the schema `out`: dumped through it
    (`blp.response`), or with dump=False only documented (`blp.alt_response(success=True)`,
    the method shapes its JSON itself)."""

    def decorate(fn: F) -> F:
        if dump:
            fn = blp.response(status, out, description=description)(fn)
        else:
            fn = blp.alt_response(status, schema=out, success=True, description=description)(fn)
        if args is not None:
            fn = blp.arguments(args, location=location)(fn)
        return require(permission)(fn)

    return decorate
