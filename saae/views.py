"""The web shell: home dashboard per profile, health check."""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from core import jobs, shell
from core.auth import login_required_only, public
from core.db import session
from core.web import current

bp = Blueprint("shell", __name__)


@bp.route("/")
@login_required_only
def home():  # type: ignore[no-untyped-def]
    user = current()
    widgets = []
    for dashboard in shell.dashboards(current_app):
        widgets.extend(dashboard(user) or [])
    return render_template("home.html", user=user, widgets=widgets)


@bp.route("/saude")
@public
def health():  # type: ignore[no-untyped-def]
    """For load balancers and monitoring: 200 when everything answers, 503 saying what is
    down (never a 500, never cached)."""
    parts: dict[str, dict[str, object]] = {}
    try:
        session.execute(text("SELECT 1"))
        parts["banco_de_dados"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001  reported, not raised: this page says what is down
        with contextlib.suppress(Exception):
            session.rollback()
        parts["banco_de_dados"] = {"ok": False, "erro": "O banco de dados não responde: "
                                   + type(exc).__name__}
    if parts["banco_de_dados"]["ok"]:
        with contextlib.suppress(Exception):
            jobs.detect_interrupted()
            stopped = jobs.counts().get(jobs.JobState.INTERRUPTED.value, 0)
            parts["trabalhos"] = {"ok": stopped == 0, "interrompidos": stopped}
            if stopped:
                parts["trabalhos"]["erro"] = (f"{stopped} trabalho(s) interrompido(s) aguardando "
                                              "retomada ou cancelamento")
    down = [name for name, p in parts.items() if not p["ok"]]
    body = {"status": "ok" if not down else "indisponivel" if "banco_de_dados" in down
            else "degradado", "componentes": parts}
    resp = jsonify(body)
    resp.status_code = 503 if "banco_de_dados" in down else 200
    resp.headers["Cache-Control"] = "no-store"
    return resp
