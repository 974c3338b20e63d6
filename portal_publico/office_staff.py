"""The staff's side of the virtual office (blueprint `office_staff`): the consumers' LGPD
requests (data exports given, corrections asked) to follow up, each marked handled with a
note (audited)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from commercial import api as commercial_api
from core.auth import require
from core.db import session
from core.errors import DomainError
from core.web import current
from portal_publico import office_data
from portal_publico.models import OfficeDataRequest
from portal_publico.office_data import REQUEST_LABELS, REQUEST_STATES

bp = Blueprint("office_staff", __name__, url_prefix="/atendimento/escritorio-virtual")


def open_requests(limit: int = 200) -> list[OfficeDataRequest]:
    return list(session.scalars(select(OfficeDataRequest)
                                .order_by(OfficeDataRequest.state.desc(), OfficeDataRequest.id.desc())
                                .limit(limit)))


@bp.route("/pedidos")
@require("commercial.registry.view")
def requests_page():  # type: ignore[no-untyped-def]
    rows = open_requests()
    accounts = {r.connection_id: commercial_api.office_account(r.connection_id) for r in rows}
    user = current()
    return render_template("portal_publico/atendimento/pedidos.html", rows=rows, accounts=accounts,
                           labels=REQUEST_LABELS, states=REQUEST_STATES,
                           can_edit=bool(user and user.can("commercial.registry.edit")))


@bp.route("/pedidos/<int:request_id>/atendido", methods=["POST"])
@require("commercial.registry.edit")
def handled(request_id: int):  # type: ignore[no-untyped-def]
    try:
        office_data.mark_handled(request_id, request.form.get("nota", "")[:2000])
    except DomainError as exc:
        flash(exc.message, "erro")
    else:
        flash("Pedido marcado como atendido.", "sucesso")
    return redirect(url_for("office_staff.requests_page"))
