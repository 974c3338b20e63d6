"""LIMS web pages (blueprint `lims`) and JSON API (blueprint `lims_api`), one module per feature."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("lims", __name__, url_prefix="/lims", template_folder="../templates")
api = ApiBlueprint("lims_api", __name__, url_prefix="/api/v1/lims", description="Laboratório (LIMS)")
NAV: list[tuple[str, str, str | None]] = []  # feature modules append (label, endpoint, permission)

from lims.views import (  # noqa: E402,F401
    closing,
    plans,
    reception,
    registry,
    reports,
    results,
    routes,
    samples,
    validation,
)

blueprints = [bp, routes.assets]  # routes.assets: the phone page script (lims/static)
api_blueprints = [api]


def dashboard(user):  # type: ignore[no-untyped-def]
    from lims.views.samples import dashboard_widgets

    return dashboard_widgets(user)
