"""On-call pages: the schedule per team and acknowledging a page from the incident page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, render_template, request, url_for

from core import fmt
from core.auth import require
from core.db import utcnow
from core.errors import ValidationError
from core.web import current
from incidents.models.oncall import TEAM_LABELS
from incidents.services import oncall
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt


def _local(field: str) -> dt.datetime:
    raw = (request.form.get(field) or "").strip()
    try:
        naive = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError("Data e hora inválidas.", fields={field: ["Data inválida."]}) from None
    return naive.replace(tzinfo=fmt.zone()).astimezone(dt.UTC)


def _who(full: bool = False) -> str:
    user = current()
    if user is None:
        return "?"
    return (user.name or user.username) if full else user.username


def _back(ok: str, fn: Any, target: str, **kw: Any) -> Any:
    attempt(fn, ok)
    return redirect(url_for(target, **kw))


@bp.route("/plantao", endpoint="oncall")
@require("incidents.oncall.manage")
def oncall_page():  # type: ignore[no-untyped-def]
    for code in TEAM_LABELS:  # the three teams always exist
        if oncall.team(code) is None:
            oncall.save_team(code)
    teams = oncall.teams()
    since = utcnow() - dt.timedelta(days=1)
    return render_template("incidents/plantao.html", teams=teams, channels=oncall.CHANNELS,
                           shifts={t.id: oncall.shifts(t.id, since) for t in teams})


@bp.route("/plantao/<code>/equipe", methods=["POST"])
@require("incidents.oncall.manage")
def oncall_team(code: str):  # type: ignore[no-untyped-def]
    f = request.form
    return _back("Equipe salva.", lambda: oncall.save_team(
        code, escalation_minutes=f.get("escalation_minutes", ""),
        supervisor_name=f.get("supervisor_name", ""),
        supervisor_channel=f.get("supervisor_channel", "whatsapp"),
        supervisor_contact=f.get("supervisor_contact", "")), "incidents.oncall")


@bp.route("/plantao/<code>/incluir", methods=["POST"])
@require("incidents.oncall.manage")
def oncall_add(code: str):  # type: ignore[no-untyped-def]
    f = request.form

    def run() -> None:
        try:
            position = int(f.get("position") or 1)
        except ValueError:
            raise ValidationError("Ordem de chamada inválida.") from None
        oncall.add_shift(code, name=f.get("name", ""), channel=f.get("channel", "whatsapp"),
                         contact=f.get("contact", ""), starts_at=_local("starts_at"),
                         ends_at=_local("ends_at"), position=position,
                         created_by=_who())
    return _back("Plantão incluído na escala.", run, "incidents.oncall")


@bp.route("/plantao/turno/<int:shift_id>/remover", methods=["POST"])
@require("incidents.oncall.manage")
def oncall_remove(shift_id: int):  # type: ignore[no-untyped-def]
    return _back("Plantão removido da escala.", lambda: oncall.remove_shift(shift_id),
                 "incidents.oncall")


@bp.route("/<int:incident_id>/plantao/reconhecer", methods=["POST"])
@require("incidents.incident.view")
def acknowledge_page(incident_id: int):  # type: ignore[no-untyped-def]
    return _back("Chamado reconhecido: a escalada parou.",
                 lambda: oncall.acknowledge(incident_id, _who(full=True)),
                 "incidents.detail", incident_id=incident_id)
