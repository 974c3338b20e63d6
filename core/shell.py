"""What an area hands to the web shell: web blueprints, API blueprints, menu entries and a
home-page dashboard. Each area's `views` package builds one `Area` and exposes its
`register(app, api)`, which the composition root (saae.app) calls.

The shell keeps them in `app.extensions`: "saae_nav" [(label, endpoint, permission)] in the
order the areas register, "saae_dashboards" [dashboard(user) -> list of cards].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

NavEntry = tuple[str, str, str | None]  # (label, endpoint, permission or None: everyone)
Dashboard = Callable[[Any], list[dict[str, object]]]


@dataclass(frozen=True)
class Area:
    blueprints: Sequence[Blueprint] = ()
    api_blueprints: Sequence[ApiBlueprint] = ()
    nav: Sequence[NavEntry] = ()
    dashboard: Dashboard | None = None

    def register(self, app: Flask, api: Api) -> None:
        """Mount the area's pages, API, menu entries and home-page cards on `app`."""
        for bp in self.blueprints:
            app.register_blueprint(bp)
        csrf = app.extensions.get("csrf")
        for abp in self.api_blueprints:
            if csrf is not None:
                csrf.exempt(abp)  # API: bearer token or same-site session, JSON bodies
            api.register_blueprint(abp)
        app.extensions.setdefault("saae_nav", []).extend(self.nav)
        if self.dashboard is not None:
            app.extensions.setdefault("saae_dashboards", []).append(self.dashboard)


def nav_entries(app: Flask) -> list[NavEntry]:
    return list(app.extensions.get("saae_nav", []))


def dashboards(app: Flask) -> list[Dashboard]:
    return list(app.extensions.get("saae_dashboards", []))
