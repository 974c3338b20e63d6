"""The access marks every view carries: `@require(permission)`, `@login_required_only`,
`@public` (deny by default: core.web refuses an unmarked view)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
LOGIN = "__login__"  # any authenticated user


def require(permission: str) -> Callable[[F], F]:
    """Mark a view (or a MethodView method) as needing `permission`."""

    def mark(fn: F) -> F:
        fn._permission = permission  # type: ignore[attr-defined]
        return fn

    return mark


def login_required_only(fn: F) -> F:
    """Any signed-in user may see this view."""
    fn._permission = LOGIN  # type: ignore[attr-defined]
    return fn


def public(fn: F) -> F:
    """No login needed (public site, tracking links, login page)."""
    fn._public = True  # type: ignore[attr-defined]
    return fn


def view_mark(view: Callable[..., Any], method: str) -> tuple[bool, str | None]:
    """(is_public, permission) for a view function, looking inside MethodViews."""
    cls = getattr(view, "view_class", None)
    if cls is not None:
        meth = getattr(cls, method.lower(), None)
        if meth is None and method == "HEAD":
            meth = getattr(cls, "get", None)
        targets = [meth, cls]
    else:
        targets = [view]
    for t in targets:
        if t is None:
            continue
        if getattr(t, "_public", False):
            return True, None
        perm = getattr(t, "_permission", None)
        if perm:
            return False, perm
    return False, None
