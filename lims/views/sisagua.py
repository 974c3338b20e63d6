"""LIMS views: the SISAGUA exports of a system (monthly basic parameters, out-of-standard
samples with the action taken, infrastructure/operational counts, half-yearly form, annual
summary, registration data), each with its validation
report and the comparison with the previous period before the download."""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template

from core.auth import require
from core.web import query_int
from lims.domain.sisagua_forms import to_csv
from lims.services import quality, sisagua_export, sisagua_operations
from lims.views.blueprints import bp

SHOWN = 50  # issues / changes listed per form (the count says how many there are)
# the out-of-standard samples are shown with the action taken (what the vigilância reads)
PREVIEW = ("Data da coleta", "Ponto de monitoramento", "Parâmetro", "Resultado", "Local",
           "Providência do controle")


def _args() -> tuple[int | None, int, int]:
    prev = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return (query_int("sistema", minimum=1),
            query_int("ano", prev.year, minimum=2000, maximum=2100),
            query_int("mes", prev.month, minimum=1, maximum=12))


def period_of(form: str, month: int) -> int:
    return (1 if month <= 6 else 2) if form == "semestral" else month


@bp.route("/sisagua")
@require("lims.reports.view")
def sisagua_page():  # type: ignore[no-untyped-def]
    system_id, year, month = _args()
    exports = []
    if system_id is not None:
        for code in sisagua_export.layouts():
            exports.append((code, period_of(code, month),
                            sisagua_export.export(code, system_id, year, period_of(code, month))))
    return render_template("lims/sisagua.html", systems=quality.known_systems(),
                           system_id=system_id, year=year, month=month, exports=exports,
                           shown=SHOWN, unverified=set(sisagua_operations.layouts()),
                           preview_columns=PREVIEW)


@bp.route("/sisagua/<form>.csv")
@require("lims.reports.view")
def sisagua_download(form: str):  # type: ignore[no-untyped-def]
    system_id, year, month = _args()
    if form not in sisagua_export.layouts() or system_id is None:
        return Response("Formulário ou sistema inválido.", status=400, mimetype="text/plain")
    period = period_of(form, month)
    e = sisagua_export.export(form, system_id, year, period)
    name = f"sisagua-{form}-{quality.system_code(system_id)}-{year}-{period:02d}.csv"
    return Response(to_csv(e.layout, e.rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
