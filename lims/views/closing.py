"""LIMS views: monthly closing (pre-closing report, close, reopen), ETA stoppages."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core import fmt
from core.auth import require
from core.db import session
from core.errors import ValidationError
from core.web import current, query_int, settings
from lims.domain.compliance import VERDICT_LABELS
from lims.domain.vmp import parse_decimal
from lims.models.results import DosingConsumption
from lims.services import closing, documents, quality, stoppages
from lims.services.closing.report import held_results
from lims.views.blueprints import bp


def _month_args() -> tuple[int, int]:
    today = dt.date.today()
    prev = today.replace(day=1) - dt.timedelta(days=1)
    try:
        year = int(request.values.get("ano", prev.year))
        month = int(request.values.get("mes", prev.month))
    except ValueError:
        raise ValidationError("Ano ou mês inválido.", fields={"mes": ["invalido"]}) from None
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationError("Ano ou mês inválido.", fields={"mes": ["invalido"]})
    return year, month


def _scope_args() -> tuple[str, int | None]:
    """`escopo` = "sistema", "plano:<id>" or "reservatorio:<id>"."""
    raw = (request.values.get("escopo") or "sistema").strip()
    level, _, sid = raw.partition(":")
    if level not in ("sistema", "plano", "reservatorio") or (level != "sistema"
                                                            and not sid.isdigit()):
        raise ValidationError("Escopo de fechamento inválido.", fields={"escopo": ["inválido"]})
    return level, int(sid) if sid else None


@bp.route("/fechamento")
@require("lims.closing.view")
def closing_page():  # type: ignore[no-untyped-def]
    systems = quality.known_systems()
    year, month = _month_args()
    level, scope_id = _scope_args()
    system_id = query_int("sistema", minimum=1) or (systems[0][0] if systems else None)
    rows, c, scopes, stored = [], None, [], False
    if system_id is not None:
        scopes = closing.scopes(system_id)
        if level != "sistema" and not any((lv, i) == (level, scope_id) for lv, i, _n in scopes):
            level, scope_id = "sistema", None
        rows, stored = documents.month_rows(system_id, year, month, level=level, scope_id=scope_id)
        c = closing.closing_of(system_id, year, month, level,
                               scope_id if level != "sistema" else None)
    user = current()
    return render_template("lims/fechamento_mes.html", systems=systems, system_id=system_id,
                           year=year, month=month, rows=rows, closing=c, stored=stored,
                           scopes=scopes, escopo=f"{level}:{scope_id}" if scope_id else level,
                           counting_rule=closing.COUNTING_RULE,
                           can_close=user is not None and user.can("lims.closing.close"),
                           can_reopen=user is not None and user.can("lims.closing.reopen"),
                           verdicts=VERDICT_LABELS, where=quality.WHERE_LABELS,
                           held=held_results(system_id, year, month) if system_id else [])


@bp.route("/fechamento/fechar", methods=["POST"])
@require("lims.closing.close")
def closing_close():  # type: ignore[no-untyped-def]
    year, month = _month_args()
    level, scope_id = _scope_args()
    system_id = request.form.get("sistema", type=int)
    if system_id is None:
        raise ValidationError("Escolha o sistema.", fields={"sistema": ["obrigatorio"]})
    user = current()
    closing.close_month(system_id, year, month, user_id=user.id, username=user.username,
                        level=level, scope_id=scope_id,
                        auto_publish=settings().lims_auto_publish_after_closing)
    flash(f"Mês {month:02d}/{year} fechado.", "sucesso")
    return redirect(url_for("lims.closing_page", sistema=system_id, ano=year, mes=month,
                            escopo=request.form.get("escopo") or "sistema"))


@bp.route("/fechamento/<int:closing_id>/reabrir", methods=["POST"])
@require("lims.closing.reopen")
def closing_reopen(closing_id: int):  # type: ignore[no-untyped-def]
    c = closing.reopen_month(closing_id, request.form.get("justificativa", ""),
                             user_id=current().id)
    flash(f"Mês {c.month:02d}/{c.year} reaberto.", "sucesso")
    escopo = str(c.level) if str(c.level) == "sistema" else f"{c.level}:{c.scope_id}"
    return redirect(url_for("lims.closing_page", sistema=c.system_id, ano=c.year, mes=c.month,
                            escopo=escopo))


@bp.route("/paradas", methods=["GET", "POST"])
@require("lims.stoppages.manage")
def stoppage_list():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        tz = fmt.zone()

        def when(name: str) -> dt.datetime | None:
            raw = request.form.get(name, "").strip()
            if not raw:
                return None
            try:
                return dt.datetime.fromisoformat(raw).replace(tzinfo=tz)
            except ValueError:
                raise ValidationError("Data/hora inválida.", fields={name: ["invalida"]}) from None

        start = when("inicio")
        if start is None:
            raise ValidationError("Informe o início da parada.", fields={"inicio": ["obrigatorio"]})
        stoppages.register_eta_stoppage(request.form.get("eta", ""), start, ended_at=when("fim"),
                                      reason=request.form.get("motivo", ""), user_id=current().id)
        flash("Parada registrada.", "sucesso")
        return redirect(url_for("lims.stoppage_list"))


    dosing = list(session.scalars(select(DosingConsumption).order_by(
        DosingConsumption.year.desc(), DosingConsumption.month.desc(),
        DosingConsumption.eta_code, DosingConsumption.product).limit(200)))
    return render_template("lims/fechamento_paradas.html", rows=stoppages.stoppages(), dosing=dosing)


@bp.route("/dosagem", methods=["POST"])
@require("lims.stoppages.manage")
def dosing():  # type: ignore[no-untyped-def]
    year, month = _month_args()
    try:
        qty = parse_decimal(request.form.get("quantidade"))
    except ValueError:
        qty = None
    if qty is None:
        raise ValidationError("Quantidade inválida.", fields={"quantidade": ["invalida"]})
    stoppages.record_dosing(request.form.get("eta", "").strip(), year, month,
                          request.form.get("produto", ""), qty,
                          unit=request.form.get("unidade", "kg") or "kg")
    flash("Consumo registrado.", "sucesso")
    return redirect(url_for("lims.stoppage_list"))
