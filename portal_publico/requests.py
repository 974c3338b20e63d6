"""The portal speaks to people (issue 21): report a leak or no water with the address and an
optional photo, answered with the protocol and the tracking link (the incidents' tracking and
survey pages). Abuse controls without a third-party captcha: sendings per address and hour
(core.throttle, shared by every server process, like the searches and the login) and a
honeypot field a person never sees."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from core import throttle
from core.auth import public
from core.errors import ValidationError
from incidents import api as incidents_api
from portal_publico import services as sv

FIELDS = ("type_code", "address", "neighbourhood", "description", "requester_name",
          "requester_phone", "requester_email", "latitude", "longitude")
HONEYPOT = "site"  # hidden by CSS and from assistive technology; a bot fills every field


def _allowed() -> bool:
    settings = current_app.config["SAAE_SETTINGS"]
    n, _ = throttle.store(settings).hit(f"portal:solicitar:{request.remote_addr}", 3600)
    return n <= settings.portal_requests_per_hour


def _form_page(form: dict[str, str], errors: dict[str, str], status: int = 200,
               message: str = "") -> Response:
    html = render_template("portal_publico/solicitar.html", form=form, errors=errors,
                           message=message, kinds=incidents_api.public_request_kinds(),
                           hoods=sv.neighbourhoods(), honeypot=HONEYPOT)
    resp = Response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@public
def report():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _form_page({"type_code": request.args.get("tipo", "")}, {})
    form = {k: request.form.get(k, "")[:4000] for k in FIELDS}
    if not _allowed():
        resp = _form_page(form, {}, 429, "Muitos envios seguidos deste endereço. Aguarde uma hora "
                                         "ou ligue para o atendimento.")
        resp.headers["Retry-After"] = "3600"
        return resp
    if request.form.get(HONEYPOT):
        return _form_page(form, {}, 422, "Não foi possível registrar a solicitação. Confira os "
                                         "dados e tente de novo.")
    photo = request.files.get("foto")
    raw = photo.read(2_000_001) if photo and photo.filename else None
    try:
        opened = incidents_api.open_public_request(form, raw)
    except ValidationError as exc:
        return _form_page(form, _field_errors(exc), 422, exc.message)
    return redirect(url_for("portal.report_received", token=opened.token))


def _field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in (exc.fields or {}):
        out[name] = exc.message
    return out


@public
def report_received(token: str):  # type: ignore[no-untyped-def]
    t = incidents_api.ticket_by_token(token) if token and len(token) <= 64 else None
    if t is None:
        return render_template("portal_publico/acompanhar.html", t=None, token=token), 404
    link = url_for("portal.track", token=token, _external=True)
    resp: Any = Response(render_template("portal_publico/solicitado.html", t=t, token=token, link=link))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def add_routes(bp: Blueprint) -> None:
    """Mounted on the portal's blueprint by portal_publico.views (this module does not import
    it: no cycle)."""
    bp.add_url_rule("/solicitar", "report", report, methods=["GET", "POST"])
    bp.add_url_rule("/solicitar/recebida/<token>", "report_received", report_received)
