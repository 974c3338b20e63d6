"""The operations console: live list (polling JSON), filters, map; the incident page with its
timeline, tag chart, work orders, notices and messages; the audit file; the local outbox."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from commercial.api import Area, count_in_area
from core import fmt
from core.auth import require
from core.db import session
from core.errors import DomainError, ValidationError
from core.web import current, query_int
from incidents import domain
from incidents.audit_file import export_zip
from incidents.models import Evidence, LocalOutbox, Notice, NoticeTemplate, Timestamp
from incidents.services import delivery, lab_notices, notify, oncall, sources
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt
from render.svg.map import Look as MapLook
from render.svg.map import Mark, map_svg
from render.svg.time_series import time_series
from telemetry.api import asset_places as telemetry_asset_places
from telemetry.api import tag_info, tag_window

TONES = {"critica": "falha", "alta": "falha", "media": "alerta", "baixa": ""}


NOTICE_PURPOSES = {"abertura": "Abertura", "restabelecimento": "Serviço restabelecido",
                   "etapa_aberto": "Chamado aberto", "etapa_em_analise": "Chamado em análise",
                   "etapa_em_atendimento": "Chamado em atendimento", "etapa_resolvido": "Chamado resolvido",
                   "etapa_encerrado": "Chamado encerrado", "etapa_cancelado": "Chamado cancelado"}


def dashboard(user: Any) -> list[dict[str, Any]]:
    if not user.can("incidents.incident.view"):
        return []
    n, waiting, oldest = lab_notices.home_counts()
    cards = [{"title": "Incidentes abertos", "value": n, "url": url_for("incidents.console"),
              "hint": "console de operação", "tone": "alerta" if n else "ok"}]
    if user.can("incidents.notice.confirm"):
        cards.insert(0, {
            "title": "Avisos aguardando confirmação", "value": waiting,
            "url": (url_for("incidents.detail", incident_id=oldest) if oldest is not None
                    else url_for("incidents.console")),
            "hint": "resultados fora do padrão: confirme antes de avisar a população",
            "tone": "alerta" if waiting else "ok"})
    return cards


def _filters() -> dict[str, Any]:
    a = request.args
    return {"state": a.get("situacao") or None, "kind": a.get("tipo") or None,
            "origin": a.get("origem") or None, "q": a.get("q", ""),
            "only_open": a.get("abertos", "1" if not a else "") == "1"}


def _row(i: Any) -> dict[str, Any]:
    return {"id": i.id, "protocol": i.protocol, "title": i.title, "kind": i.kind,
            "kind_label": svc.KINDS.get(i.kind, i.kind), "origin": svc.ORIGINS.get(i.origin, i.origin),
            "state": str(i.state), "state_label": i.state_label, "severity": i.severity,
            "asset_code": i.asset_code, "opened_at": i.opened_at.isoformat(),
            "opened_local": fmt.date_time(i.opened_at),
            "lat": i.latitude, "lon": i.longitude, "url": url_for("incidents.detail", incident_id=i.id)}


# map colours: incidents by severity, assets by kind
SEVERITY_COLORS = {"critica": "#b00020", "alta": "#d9480f", "media": "#e8a317", "baixa": "#5c7cfa"}
ASSET_COLORS = {"eta": "#1864ab", "captacao": "#0b7285", "poco": "#5f3dc4", "elevatoria": "#2b8a3e",
                "reservatorio": "#087f5b", "setor": "#868e96"}
MAP_LOOK = MapLook(width=480, height=340, pad=30, background='fill="#f4f7f9" stroke="#ced4da"',
                   empty_text="Sem coordenadas para mostrar.",
                   legend="quadrados: ativos · círculos: incidentes (cor = gravidade)",
                   legend_attrs='font-size="12" fill="#495057"')


def _map(rows: list[dict[str, Any]]) -> Markup:
    """Assets (squares by kind) under the incidents (circles by severity, links)."""
    try:
        assets = telemetry_asset_places()
    except Exception:  # telemetry without assets must not break the console
        assets = ()
    marks = [Mark(a.latitude, a.longitude, f"{a.code} - {a.name or ''}", shape="square", size=5,
                  paint=f'fill="{ASSET_COLORS.get(a.kind or "", "#495057")}" opacity="0.8"',
                  tip_on_shape=True, name=a.code, name_at=(8, 4),
                  name_attrs='font-size="13" fill="#343a40"') for a in assets]
    for i in rows:
        if i.get("lat") is None or i.get("lon") is None:
            continue
        color = SEVERITY_COLORS.get(i.get("severity", ""), "#495057")
        marks.append(Mark(
            i["lat"], i["lon"], f"{i['protocol']} - {i['title']} "
            f"({i.get('state_label') or i.get('state', '')})", shape="target", size=11,
            paint=f'fill="{color}" fill-opacity="0.35" stroke="{color}" stroke-width="2"',
            dot=color, dot_size=4, tip_on_shape=True, href=i.get("url", "#"),
            link_name=f"{i['protocol']} - {i['title']}"))
    return map_svg("Mapa de incidentes e ativos", marks, look=MAP_LOOK)


@bp.route("")
@require("incidents.incident.view")
def console():  # type: ignore[no-untyped-def]
    f = _filters()
    rows = [_row(i) for i in svc.search(**f)]
    return render_template("incidents/console.html", rows=rows, f=f, map_svg=_map(rows),
                           kinds=svc.KINDS, origins=svc.ORIGINS, states=domain.INCIDENT_LABELS,
                           tones=TONES)


@bp.route("/ao-vivo.json")
@require("incidents.incident.view")
def live():  # type: ignore[no-untyped-def]
    rows = [_row(i) for i in svc.search(**_filters())]
    return jsonify({"incidents": rows, "map": str(_map(rows)),
                    "at": dt.datetime.now(dt.UTC).isoformat()})


@bp.route("/novo", methods=["GET", "POST"])
@require("incidents.incident.manage")
def new():  # type: ignore[no-untyped-def]
    form = request.form
    if request.method == "POST":
        try:
            est = float(form["estimated_hours"]) if form.get("estimated_hours") else None
            sectors = [s.strip() for s in form.get("sectors", "").split(",") if s.strip()]
            hoods = [s.strip() for s in form.get("neighbourhoods", "").split(",") if s.strip()]
            area = Area(sector_codes=tuple(sectors), neighbourhoods=tuple(hoods))
            inc = svc.open_incident(
                title=form.get("title", ""), kind=form.get("kind", "interrupcao"),
                origin=form.get("origin", "operador"), severity=form.get("severity", "media"),
                reason=form.get("reason", ""), estimated_hours=est,
                area=svc.area_dict(sector_codes=area.sector_codes, neighbourhoods=area.neighbourhoods),
                area_description=svc.describe_area(area), notify=False,
                requester_name=form.get("requester_name", ""), requester_phone=form.get("requester_phone", ""),
                requester_email=form.get("requester_email", ""))
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", "Dados inválidos."), "erro")
        else:
            flash(f"Incidente {inc.protocol} aberto.", "sucesso")
            return redirect(url_for("incidents.detail", incident_id=inc.id))
    return render_template("incidents/novo.html", form=form, kinds=svc.KINDS,
                           severities=domain.SEVERITIES)


def _chart(inc: Any) -> Markup | None:
    if not inc.tag:
        return None
    start = inc.opened_at - dt.timedelta(hours=2)
    end = min(dt.datetime.now(dt.UTC), inc.opened_at + dt.timedelta(hours=2))
    if inc.resolved_at:
        end = max(end, min(inc.resolved_at + dt.timedelta(minutes=30), inc.opened_at + dt.timedelta(hours=12)))
    try:
        marker = dt.datetime.fromisoformat((inc.source_data or {})["started_at"])
    except (KeyError, TypeError, ValueError):
        marker = inc.opened_at
    start = min(start, marker - dt.timedelta(hours=1))
    end = max(end, marker + dt.timedelta(minutes=30))
    pts = tag_window(inc.tag, start, end)
    info = tag_info(inc.tag)
    title = f"{inc.tag} - {info.description if info else ''}"
    return time_series(pts, start=start, end=end, marker=(marker, "início da anomalia"),
                       unit=info.unit if info else "", title=title, caption=title,
                       zone=fmt.zone(), width=640, height=240)


@bp.route("/<int:incident_id>")
@require("incidents.incident.view")
def detail(incident_id: int):  # type: ignore[no-untyped-def]
    inc = svc.get(incident_id)
    notices = list(session.scalars(select(Notice).where(Notice.incident_id == inc.id).order_by(Notice.id)))
    chain_len = session.scalar(select(Evidence.seq).where(Evidence.incident_id == inc.id)
                               .order_by(Evidence.seq.desc()).limit(1)) or 0
    stamps = list(session.scalars(select(Timestamp).where(Timestamp.incident_id == inc.id)))
    return render_template(
        "incidents/incidente.html", inc=inc, entries=_runs(svc.entries(inc.id)), chart=_chart(inc),
        orders=wo_svc.orders(incident_id=inc.id), notices=notices, summary=notify.summary(inc.id),
        messages=notify.messages(inc.id, limit=50), chain_len=chain_len, stamps=stamps,
        affected=count_in_area(svc.area_of(inc)), next_states=sorted(domain.INCIDENT_TRANSITIONS[inc.state]),
        labels=domain.INCIDENT_LABELS, services=wo_svc.catalogue(), tones=TONES,
        kinds=svc.KINDS, origins=svc.ORIGINS, oncall=oncall.view(inc.id),
        cleared_at=sources.source_cleared_at(inc),
        open_orders=[w for w in wo_svc.orders(incident_id=inc.id) if str(w.state) not in domain.WO_CLOSED],
        purposes=NOTICE_PURPOSES,
        template_names=dict(session.execute(select(NoticeTemplate.code, NoticeTemplate.name)).tuples().all()))


def _act(incident_id: int, fn: Any, ok: str) -> Any:
    attempt(fn, ok)
    return redirect(url_for("incidents.detail", incident_id=incident_id))


@bp.route("/<int:incident_id>/aviso/confirmar", methods=["POST"])
@require("incidents.notice.confirm")
def notice_confirm(incident_id: int):  # type: ignore[no-untyped-def]
    return _act(incident_id, lambda: lab_notices.confirm(incident_id, measures=request.form.get("medidas")),
                "Aviso confirmado: a população afetada será avisada e o portal mostra o aviso.")


@bp.route("/<int:incident_id>/aviso/dispensar", methods=["POST"])
@require("incidents.notice.confirm")
def notice_dismiss(incident_id: int):  # type: ignore[no-untyped-def]
    return _act(incident_id, lambda: lab_notices.dismiss(incident_id, request.form.get("motivo", "")),
                "Aviso dispensado; o motivo fica no histórico.")


@bp.route("/<int:incident_id>/normalizado", methods=["POST"])
@require("incidents.incident.manage")
def close_cleared(incident_id: int):  # type: ignore[no-untyped-def]
    return _act(incident_id, lambda: sources.close_after_cleared(
        incident_id, cancel_orders=request.form.get("cancelar_os") == "1",
        reason=request.form.get("reason", "")), "Incidente resolvido: a causa foi normalizada.")


@bp.route("/<int:incident_id>/situacao", methods=["POST"])
@require("incidents.incident.manage")
def move(incident_id: int):  # type: ignore[no-untyped-def]
    target, reason = request.form.get("state", ""), request.form.get("reason", "")
    if not target:
        def missing() -> None:
            raise ValidationError("Escolha a nova situação.", fields={"state": ["obrigatorio"]})

        return _act(incident_id, missing, "")
    if target == "encerrado":
        return _act(incident_id, lambda: svc.close(incident_id, reason), "Incidente encerrado.")
    return _act(incident_id, lambda: svc.transition(incident_id, target, reason), "Situação alterada.")


@bp.route("/<int:incident_id>/area", methods=["POST"])
@require("incidents.incident.manage")
def area(incident_id: int):  # type: ignore[no-untyped-def]
    f = request.form

    def run() -> None:
        est = float(f["estimated_hours"]) if f.get("estimated_hours") else None
        svc.set_area(incident_id, sector_codes=[s.strip() for s in f.get("sectors", "").split(",")],
                     neighbourhoods=[s.strip() for s in f.get("neighbourhoods", "").split(",")],
                     segment_codes=[s.strip() for s in f.get("segments", "").split(",")],
                     description=f.get("description", ""), estimated_hours=est,
                     reason=f.get("reason", ""))

    return _act(incident_id, run, "Área afetada atualizada.")


@bp.route("/<int:incident_id>/aviso", methods=["POST"])
@require("incidents.notice.send")
def send_notice(incident_id: int):  # type: ignore[no-untyped-def]
    user = current()
    return _act(incident_id, lambda: notify.queue_notice(incident_id, "abertura",
                                                         created_by=user.username if user else "?"),
                "Aviso enviado para a fila.")


@bp.route("/<int:incident_id>/os", methods=["POST"])
@require("incidents.workorder.manage")
def open_order(incident_id: int):  # type: ignore[no-untyped-def]
    inc = svc.get(incident_id)
    return _act(incident_id, lambda: wo_svc.open_order(
        request.form.get("service", ""), incident_id=inc.id, origin="operador",
        description=request.form.get("description", ""), latitude=inc.latitude,
        longitude=inc.longitude, address=inc.asset_name), "OS aberta.")


@bp.route("/<int:incident_id>/dossie.zip")
@require("incidents.audit.export")
def audit_zip(incident_id: int):  # type: ignore[no-untyped-def]
    inc = svc.get(incident_id)
    return Response(export_zip(inc.id), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="dossie-{inc.protocol}.zip"'})


@bp.route("/<int:incident_id>/mensagens")
@require("incidents.incident.view")
def messages(incident_id: int):  # type: ignore[no-untyped-def]
    inc = svc.get(incident_id)
    page = query_int("pagina", 1, minimum=1, maximum=100_000)
    msgs = notify.messages(inc.id, limit=100, offset=(page - 1) * 100)
    return render_template("incidents/mensagens.html", inc=inc, msgs=msgs, page=page,
                           receipts={m.id: delivery.receipts(m.id) for m in msgs},
                           show_contacts=_sees_contacts())


@bp.route("/caixa-de-saida")
@require("incidents.incident.view")
def local_outbox():  # type: ignore[no-untyped-def]
    rows = list(session.scalars(select(LocalOutbox).order_by(LocalOutbox.id.desc()).limit(200)))
    return render_template("incidents/caixa_saida.html", rows=rows, show_contacts=_sees_contacts())


def _sees_contacts() -> bool:
    """Whole phone numbers and e-mails only for who sends notices (operators, supervisors,
    managers); a technician sees them masked."""
    user = current()
    return bool(user and user.can("incidents.notice.send"))


def _runs(entries: list) -> list[tuple[object, list, str]]:  # type: ignore[type-arg]
    """The timeline as runs: consecutive entries of the same kind and text head (e.g. one
    "Não possui telefone para envio de mensagem: <name>" line per consumer of a notice to 500
    people) shown as one line that opens to the whole list, so the story stays readable."""
    out: list[tuple[object, list, str]] = []  # type: ignore[type-arg]
    for e in entries:
        head = re.split(r"[:(]", e.text, maxsplit=1)[0].strip()
        if out and out[-1][0].kind == e.kind and out[-1][2] == head:
            out[-1][1].append(e)
        else:
            out.append((e, [e], head))
    return out
