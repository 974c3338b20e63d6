"""What every form action of incidents' pages does with a service call: run it, tell the
person how it went (flash), and let the page redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash

from core.errors import DomainError


def attempt(fn: Callable[[], Any], ok: str) -> tuple[bool, Any]:
    """(True, what `fn` returned) after flashing `ok`; (False, None) after flashing the
    domain error's message."""
    try:
        result = fn()
    except DomainError as exc:
        flash(exc.message, "erro")
        return False, None
    flash(ok, "sucesso")
    return True, result
