"""The web shell: home dashboard per profile, health check."""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

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
    down (never a 500, never cached). The jobs' queries are the database's probe; a plain
    SELECT 1 only when they fail otherwise than by an unreachable database."""
    jobs_part, db_error = _jobs_part()
    if jobs_part is None and db_error is None:
        db_error = _database_error()
    parts: dict[str, dict[str, object]] = {"banco_de_dados": {"ok": True} if db_error is None else {
        "ok": False, "erro": "O banco de dados não responde: " + type(db_error).__name__}}
    if db_error is None and jobs_part is not None:
        parts["trabalhos"] = jobs_part
    down = [name for name, p in parts.items() if not p["ok"]]
    body = {"status": "ok" if not down else "indisponivel" if "banco_de_dados" in down
            else "degradado", "componentes": parts}
    resp = jsonify(body)
    resp.status_code = 503 if "banco_de_dados" in down else 200
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _jobs_part() -> tuple[dict[str, object] | None, Exception | None]:
    """(the jobs' health, None); (None, the error) when the database cannot be reached;
    (None, None) when they failed otherwise."""
    try:
        jobs.detect_interrupted()
        stopped = jobs.counts().get(jobs.JobState.INTERRUPTED.value, 0)
    except (OperationalError, InterfaceError, DisconnectionError) as exc:
        _rollback()
        return None, exc
    except Exception:  # noqa: BLE001  reported below by the database probe, never raised
        _rollback()
        return None, None
    part: dict[str, object] = {"ok": stopped == 0, "interrompidos": stopped}
    if stopped:
        part["erro"] = f"{stopped} trabalho(s) interrompido(s) aguardando retomada ou cancelamento"
    return part, None


def _database_error() -> Exception | None:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  reported, not raised: this page says what is down
        _rollback()
        return exc
    return None


def _rollback() -> None:
    with contextlib.suppress(Exception):
        session.rollback()
