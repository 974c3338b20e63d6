"""The web shell: home dashboard per profile, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from core.auth import login_required_only, public
from core.db import session
from core.web import current

bp = Blueprint("shell", __name__)


@bp.route("/")
@login_required_only
def home():  # type: ignore[no-untyped-def]
    user = current()
    widgets = []
    for dashboard in current_app.extensions["saae_dashboards"]:
        widgets.extend(dashboard(user) or [])
    return render_template("home.html", user=user, widgets=widgets)


@bp.route("/saude")
@public
def health():  # type: ignore[no-untyped-def]
    session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
