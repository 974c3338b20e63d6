"""The citizens' site (blueprint `portal`, under /portal, no login) and the open data API
(`portal_publico.opendata`, under /api/v1/dados-abertos)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)

from core import fmt, throttle
from core.auth import public
from core.errors import NotFound
from core.org import current_organization
from core.shell import Area
from core.web import found, query_int
from portal_publico import annual, charts, notices, pdf, sensors, tracking
from portal_publico import requests as citizen_requests
from portal_publico import services as sv
from portal_publico.office_staff import bp as office_staff_bp
from portal_publico.office_views import bp as office_bp
from portal_publico.opendata import DICTIONARY
from portal_publico.opendata import api as opendata_api

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.context_processor(sensors.context)  # the point page's online analysers (issue 18)
citizen_requests.add_routes(bp)  # report a leak or no water (issue 21)
tracking.add_routes(bp)  # follow a notice or a request, answer its survey


# the frame's menu, in order: (endpoint, label)
MENU = [("portal.home", "Início"), ("portal.my_water", "Minha água"),
        ("portal.notices_page", "Avisos"), ("portal.reports", "Relatórios"),
        ("portal.map_page", "Mapa"), ("portal.report", "Avisar problema"),
        ("portal.open_data", "Dados abertos"), ("office.home", "Escritório virtual")]
_FRAMES: dict[str, dict[str, Any]] = {}


@bp.app_template_global("portal_frame")
def frame_links() -> dict[str, Any]:
    """The links of the portal's frame (base.html: menu, stylesheet, icon, footer), the same
    on every page but for the script root: built once a process for each (12 url_for a page
    before)."""
    root = request.script_root
    links = _FRAMES.get(root)
    if links is None:
        links = {"menu": [(ep, label, url_for(ep)) for ep, label in MENU],
                 "css": url_for("portal.static", filename="portal.css"),
                 "icon": url_for("static", filename="favicon.svg"),
                 "home": url_for("portal.home"), "parameters": url_for("portal.parameters"),
                 "open_data": url_for("portal.open_data")}
        if len(_FRAMES) < 100:
            _FRAMES[root] = links
    return links


@bp.context_processor
def _portal_globals() -> dict[str, Any]:
    return {"sv": sv, "VERDICTS": sv.VERDICTS, "org": current_organization(),
            "month_label": fmt.month_name, "MONTHS_SHORT": fmt.MONTHS_SHORT}


@bp.after_request
def _cache_headers(resp: Response) -> Response:
    if "Cache-Control" not in resp.headers:
        personal = session.modified or "_flashes" in session
        if resp.status_code >= 400:  # an error is never kept by a proxy or the browser
            resp.headers["Cache-Control"] = "no-store"
        elif personal or request.endpoint in ("portal.track", "portal.survey", "portal.report",
                                              "portal.report_received"):
            resp.headers["Cache-Control"] = "no-store"  # a token or a message for one person
        else:  # published data changes a few times a day
            resp.headers["Cache-Control"] = "public, max-age=120"
            if request.method == "GET" and resp.status_code == 200 and not resp.is_streamed:
                resp.add_etag()  # a phone coming back gets 304 instead of the page again
                return resp.make_conditional(request)
    return resp


def _float(name: str) -> float | None:
    try:
        v = float(request.args.get(name, ""))
    except ValueError:
        return None
    return v if -180 <= v <= 180 else None


def _areas(pts: list[Any]) -> list[tuple[str, float, float]]:
    """Neighbourhood names at the mean position of their points (map orientation)."""
    by: dict[str, list[tuple[float, float]]] = {}
    for p in pts:
        if p.neighbourhood and p.latitude is not None and p.longitude is not None:
            by.setdefault(p.neighbourhood, []).append((p.latitude, p.longitude))
    return [(n, sum(c[0] for c in cs) / len(cs), sum(c[1] for c in cs) / len(cs))
            for n, cs in sorted(by.items())]


def trend_chart(t: sv.Trend) -> Any:
    jan_next = len(t.months) > 1 and t.months[1][1] == 1
    labels = [fmt.MONTHS_SHORT[m - 1] + (f"|{y}" if m == 1 or (i == 0 and not jan_next) else "")
              for i, (y, m) in enumerate(t.months)]
    title = f"{t.parameter_name}: últimos {len(t.months)} meses"
    if t.limit is not None and t.limit.absence:
        bad = sum(1 for x in t.nonconforming if x)
        desc = (f"{t.parameter_name}, amostras com presença por mês. Meses com presença: {bad} "
                f"de {sum(1 for a in t.analysed if a)} com dados.")
        return charts.presence_strip(title, labels, t.analysed, t.nonconforming, desc)
    vals = [v for v in t.means if v is not None]
    desc = (f"Média mensal de {t.parameter_name} em {t.unit}. "
            + (f"Menor média {fmt.number(min(vals), 2)}, maior {fmt.number(max(vals), 2)}. "
               if vals else "Sem dados. ")
            + (f"Limite: {t.limit.text}." if t.limit else ""))
    return charts.line_chart(title, labels, t.means,
                             [None if v == "sem_dados" else v != "nao_conforme" for v in t.verdicts],
                             unit=t.unit, maximum=t.limit.maximum if t.limit else None,
                             minimum=t.limit.minimum if t.limit else None, description=desc)


def series_chart(s: sv.Series) -> Any:
    pts = s.points[-40:]
    labels = [charts.short_date(p[0]) for p in pts]
    vals = [p[1] for p in pts]
    title = f"{s.parameter_name}: resultados das últimas {len(pts)} coletas"
    desc = f"Valores de {s.parameter_name} por data de coleta" + (
        f"; limite {s.limit.text}" if s.limit else "")
    return charts.line_chart(title, labels, vals, [p[3] for p in pts], unit=s.unit,
                             maximum=s.limit.maximum if s.limit else None,
                             minimum=s.limit.minimum if s.limit else None, description=desc)


# -- pages ---------------------------------------------------------------------------------------

@bp.route("/")
@public
def home():  # type: ignore[no-untyped-def]
    return render_template("portal_publico/inicio.html", cards=sv.home_cards(),
                           notices=sv.current_notices(), hoods=sv.neighbourhoods())


@bp.route("/minha-agua")
@public
def my_water():  # type: ignore[no-untyped-def]
    q = " ".join(request.args.get("q", "").replace("\x00", "").split())[:120]
    if q and not _search_allowed():
        flash("Muitas buscas seguidas deste endereço. Aguarde um minuto e tente de novo.", "erro")
        resp = Response(render_template("portal_publico/minha_agua.html", q="", found=[],
                                        water_url=_water_url, hoods=sv.neighbourhoods()), 429)
        resp.headers["Retry-After"] = "60"
        resp.headers["Cache-Control"] = "no-store"
        return resp
    found = sv.locate(q) if q else []
    if q and len(q) < 2:
        flash("Digite pelo menos 2 letras do bairro ou da rua, ou a matrícula.", "erro")
    elif q and not found and q.replace("-", "").replace(".", "").replace(" ", "").isdigit():
        flash("Para buscar pela matrícula, digite-a completa, com o dígito verificador "
              "(como aparece na conta, ex.: 001234-5).", "erro")
    usable = [f for f in found if f.system_id is not None]
    if len(usable) == 1 and len(found) == 1:
        # the one place found, answered here (its page's address as canonical): a redirect
        # made every such search wait for a second request
        loc = usable[0]
        geo = loc.latitude is not None and loc.longitude is not None
        return _system_answer(loc.system_id, place=loc.label, neighbourhood=loc.neighbourhood,
                              sector_code=loc.sector_code,
                              lat=round(loc.latitude, 5) if geo else None,
                              lon=round(loc.longitude, 5) if geo else None,
                              canonical=_water_url(loc))
    return render_template("portal_publico/minha_agua.html", q=q, found=found,
                           water_url=_water_url, hoods=sv.neighbourhoods())


def _search_allowed() -> bool:
    """Searches per address and minute (core.throttle: shared by every server process):
    walking the matriculas one by one to find where people live takes too long."""
    settings = current_app.config["SAAE_SETTINGS"]
    n, _ = throttle.store(settings).hit(f"portal:busca:{request.remote_addr}", 60)
    return n <= settings.portal_searches_per_minute


def _water_url(loc: Any) -> str:
    args: dict[str, Any] = {"system_id": loc.system_id, "local": loc.label,
                            "bairro": loc.neighbourhood}
    if loc.sector_code:
        args["setor"] = loc.sector_code
    if loc.latitude is not None and loc.longitude is not None:
        args["lat"], args["lon"] = f"{loc.latitude:.5f}", f"{loc.longitude:.5f}"
    return url_for("portal.system_page", **args)


@bp.route("/sistemas/<int:system_id>")
@public
def system_page(system_id: int):  # type: ignore[no-untyped-def]
    return _system_answer(system_id, place=request.args.get("local", "")[:160],
                          neighbourhood=request.args.get("bairro", "")[:120] or None,
                          sector_code=request.args.get("setor", "")[:40] or None,
                          lat=_float("lat"), lon=_float("lon"))


def _system_answer(system_id: int, *, place: str, neighbourhood: str | None,  # type: ignore[no-untyped-def]
                   sector_code: str | None, lat: float | None, lon: float | None,
                   canonical: str | None = None):
    """A system's page for a place in it (the water of that street, neighbourhood or house)."""
    w = found(sv.my_water(system_id, place=place, neighbourhood=neighbourhood,
                          sector_code=sector_code, lat=lat, lon=lon))
    here = (lat, lon) if lat is not None and lon is not None else None
    pts = sv.points(system_id)
    systems = [(w.system.id, w.system.name, w.system.latitude, w.system.longitude,
                url_for("portal.system_page", system_id=w.system.id))] \
        if w.system.latitude is not None and w.system.longitude is not None else []
    marks = [(p.id, p.name, p.latitude, p.longitude, p.kind, url_for("portal.point_page", point_id=p.id))
             for p in pts if p.latitude is not None and p.longitude is not None]
    mapa = charts.map_svg(systems, marks, here=here, areas=_areas(pts),
                          title=f"Mapa do {w.system.name} e seus pontos de coleta")
    return render_template("portal_publico/sistema.html", w=w, mapa=mapa,
                           destinos=charts.map_destinations(systems, marks, sv.POINT_KINDS),
                           charts=[(t, trend_chart(t)) for t in w.trends], limits=sv.limits(),
                           explain=sv.EXPLAIN, kinds=sv.POINT_KINDS, sources=sv.SOURCE_TYPES,
                           treatments=sv.TREATMENT_TYPES, local=place, canonical=canonical)


@bp.route("/pontos/<int:point_id>")
@public
def point_page(point_id: int):  # type: ignore[no-untyped-def]
    p = found(sv.point(point_id))
    rows, series = sv.point_history(point_id)
    s = sv.system(p.system_id)
    mapa, destinos = None, []
    if p.latitude is not None and p.longitude is not None:
        systems = [(s.id, s.name, s.latitude, s.longitude, url_for("portal.system_page", system_id=s.id))] \
            if s and s.latitude is not None and s.longitude is not None else []
        marks = [(p.id, p.name, p.latitude, p.longitude, p.kind, request.path)]
        mapa = charts.map_svg(systems, marks, title=f"Localização de {p.name}")
        destinos = charts.map_destinations(systems, marks, sv.POINT_KINDS, current=request.path)
    return render_template("portal_publico/ponto.html", p=p, system=s, rows=rows[:24],
                           charts=[(x, series_chart(x)) for x in series], mapa=mapa,
                           destinos=destinos,
                           kinds=sv.POINT_KINDS, explain=sv.EXPLAIN, limits=sv.limits())


@bp.route("/mapa")
@public
def map_page():  # type: ignore[no-untyped-def]
    systems = sv.systems()
    pts = sv.points()
    svg = charts.map_svg(
        [(s.id, s.name, s.latitude, s.longitude, url_for("portal.system_page", system_id=s.id))
         for s in systems if s.latitude is not None and s.longitude is not None],
        [(p.id, p.name, p.latitude, p.longitude, p.kind, url_for("portal.point_page", point_id=p.id))
         for p in pts if p.latitude is not None and p.longitude is not None],
        title="Mapa dos sistemas de abastecimento e pontos de coleta", areas=_areas(pts))
    return render_template("portal_publico/mapa.html", svg=svg, systems=systems, points=pts,
                           kinds=sv.POINT_KINDS)


@bp.route("/parametros")
@public
def parameters():  # type: ignore[no-untyped-def]
    return render_template("portal_publico/parametros.html", limits=sv.limits(),
                           explain=sv.EXPLAIN, names=sv._param_names())


# -- reports -------------------------------------------------------------------------------------

def _month_args(ano: int, mes: int) -> None:
    if not (2000 <= ano <= 2100 and 1 <= mes <= 12):
        raise NotFound(f"Não há relatório para {mes:02d}/{ano}: confira o mês e o ano.")


def _system_month(system_id: int, ano: int, mes: int) -> Any:
    _month_args(ano, mes)
    s = found(sv.system(system_id))
    return s


@bp.route("/relatorios")
@public
def reports():  # type: ignore[no-untyped-def]
    t = fmt.today()
    months = [fmt.month_add(t.year, t.month, -k) for k in range(0, 12)]
    return render_template("portal_publico/relatorios.html", systems=sv.systems(), months=months,
                           years=[t.year, t.year - 1, t.year - 2])


@bp.route("/relatorios/<int:system_id>/<int:ano>/<int:mes>")
@public
def monthly_report(system_id: int, ano: int, mes: int):  # type: ignore[no-untyped-def]
    s = _system_month(system_id, ano, mes)
    return render_template("portal_publico/relatorio_mensal.html", s=s, ano=ano, mes=mes,
                           q=sv.summary(system_id, ano, mes), limits=sv.limits(),
                           explain=sv.EXPLAIN)


@bp.route("/relatorios/<int:system_id>/<int:ano>/<int:mes>.pdf")
@public
def monthly_report_pdf(system_id: int, ano: int, mes: int):  # type: ignore[no-untyped-def]
    s = _system_month(system_id, ano, mes)
    data = pdf.monthly(s, ano, mes, sv.summary(system_id, ano, mes))
    return _pdf(data, f"qualidade-{s.code}-{ano}-{mes:02d}.pdf")


@bp.route("/relatorios/anual/<int:ano>")
@public
def annual_report(ano: int):  # type: ignore[no-untyped-def]
    _month_args(ano, 1)
    return render_template("portal_publico/relatorio_anual.html", ano=ano, data=annual.annual(ano),
                           sources=sv.SOURCE_TYPES, treatments=sv.TREATMENT_TYPES,
                           cdc=pdf.CDC_TEXT)


@bp.route("/relatorios/anual/<int:ano>.pdf")
@public
def annual_report_pdf(ano: int):  # type: ignore[no-untyped-def]
    _month_args(ano, 1)
    return _pdf(pdf.annual(ano, annual.annual(ano), current_organization()),
                f"relatorio-anual-qualidade-{ano}.pdf")


def _pdf(data: bytes, name: str) -> Response:
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    resp.headers["Cache-Control"] = "public, max-age=600"
    return resp


# -- notices, tracking, survey -------------------------------------------------------------------

@bp.route("/avisos")
@public
def notices_page():  # type: ignore[no-untyped-def]
    page = query_int("pagina", 1, minimum=1, maximum=100_000)
    past = notices.past_notices(limit=21, offset=(page - 1) * 20)
    return render_template("portal_publico/avisos.html", current=sv.current_notices(),
                           past=past[:20], page=page, more=len(past) > 20,
                           kinds=sv.NOTICE_KINDS)


@bp.route("/avisos/<int:notice_id>")
@public
def notice_page(notice_id: int):  # type: ignore[no-untyped-def]
    n = found(notices.notice(notice_id))
    return render_template("portal_publico/aviso.html", n=n, kinds=sv.NOTICE_KINDS)


@bp.route("/dados-abertos")
@public
def open_data():  # type: ignore[no-untyped-def]
    return render_template("portal_publico/dados_abertos.html", dictionary=DICTIONARY,
                           year=fmt.today().year)


@bp.errorhandler(404)
def _not_found(_exc):  # type: ignore[no-untyped-def]
    return render_template("portal_publico/erro.html", status=404,
                           message="O endereço não existe ou o item não está publicado."), 404



# the site has no staff login (the consumers' virtual office has its own sign-in,
# portal_publico.office); one staff menu entry: the consumers' LGPD requests to follow up
register = Area(blueprints=[bp, office_bp, office_staff_bp], api_blueprints=[opendata_api],
                nav=[("Pedidos LGPD", "office_staff.requests_page", "commercial.registry.view")]).register
