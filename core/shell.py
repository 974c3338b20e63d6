"""What an area hands to the web shell when the composition root (saae.app) calls its
`register(app, api)`: web blueprints, API blueprints, menu entries and a home-page dashboard.

The shell keeps them in `app.extensions`: "saae_nav" [(label, endpoint, permission)] in the
order the areas register, "saae_dashboards" [dashboard(user) -> list of cards].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

NavEntry = tuple[str, str, str | None]  # (label, endpoint, permission or None: everyone)
Dashboard = Callable[[Any], list[dict[str, object]]]


def register_area(app: Flask, api: Api, *, blueprints: Iterable[Blueprint] = (),
                  api_blueprints: Iterable[ApiBlueprint] = (), nav: Iterable[NavEntry] = (),
                  dashboard: Dashboard | None = None) -> None:
    """Mount one area's pages, API and menu entries on `app`."""
    for bp in blueprints:
        app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    for abp in api_blueprints:
        if csrf is not None:
            csrf.exempt(abp)  # API: bearer token or same-site session, JSON bodies
        api.register_blueprint(abp)
    app.extensions.setdefault("saae_nav", []).extend(nav)
    if dashboard is not None:
        app.extensions.setdefault("saae_dashboards", []).append(dashboard)


def nav_entries(app: Flask) -> list[NavEntry]:
    return list(app.extensions.get("saae_nav", []))


def dashboards(app: Flask) -> list[Dashboard]:
    return list(app.extensions.get("saae_dashboards", []))
