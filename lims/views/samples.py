"""LIMS views: sample list (filters), sample detail with its history, cancel / reprogram /
release for collection; JSON API for samples (list, detail, transitions) and points."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from core import fmt
from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.audit_labels import USER_FIELDS, describe_changes
from core.auth import require
from core.db import session
from core.errors import Conflict, NotFound, ValidationError
from core.web import current, done, form_ids
from lims import api as lims_api
from lims.domain import samples as machine
from lims.domain.samples import SampleState
from lims.models.registry import Laboratory
from lims.models.samples import Sample
from lims.services import sample_pages, samples
from lims.services.registry import neighbours_map
from lims.services.validation import awaiting_publication_count
from lims.views.blueprints import api, bp


def _parse_date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("Data inválida.", fields={name: ["Use aaaa-mm-dd."]}) from None


class ListRow(NamedTuple):
    """One row of the sample list, every cell ready to print (no per-row expression in the
    template, no url_for per row)."""

    url: str
    code: str
    recoleta: bool
    day: str
    slot: str
    reprogrammed: bool
    point: str
    system: str
    n_params: int
    tone: str
    label: str


_TONES = {SampleState.CANCELLED: "falha", SampleState.VALIDATED: "ok", SampleState.PUBLISHED: "ok"}
_LATE_IF_PAST = frozenset({SampleState.SCHEDULED, SampleState.AWAITING_COLLECTION})


def _list_rows(rows: list[Any], systems: dict[int, str], today: dt.date) -> list[ListRow]:
    detail = url_for("lims.sample_detail", sample_id=0)[:-1]  # ".../amostras/" + id
    days: dict[dt.date, str] = {}
    out = []
    for r in rows:
        day = days.get(r.scheduled_for) or days.setdefault(r.scheduled_for, fmt.date(r.scheduled_for))
        tone = _TONES.get(r.state) or ("alerta" if r.state in _LATE_IF_PAST and r.scheduled_for < today
                                       else "")
        out.append(ListRow(f"{detail}{r.id}", r.code, r.is_recoleta, day,
                           f" ({r.slot + 1}a)" if r.slot else "", bool(r.reprogram_count),
                           f"{r.point_code} {r.point_name}", systems.get(r.system_id, ""),
                           r.n_params, tone, machine.LABELS.get(r.state) or machine.label(r.state)))
    return out


@bp.route("/amostras")
@require("lims.samples.view")
def sample_list():  # type: ignore[no-untyped-def]
    a = request.args
    rec = {"sim": True, "nao": False}.get(a.get("recoleta", ""))
    page = max(1, a.get("pagina", type=int) or 1)
    rows, total, counts = sample_pages.list_page(
        state=a.get("estado") or None, system_id=a.get("sistema", type=int),
        point_id=a.get("ponto", type=int), plan_id=a.get("plano", type=int),
        since=_parse_date(a.get("de"), "de"), until=_parse_date(a.get("ate"), "ate"),
        code=a.get("codigo") or None, recoleta=rec, limit=samples.PAGE,
        offset=(page - 1) * samples.PAGE)
    systems = sample_pages.systems_brief()
    pages = -(-total // samples.PAGE)
    today = dt.date.today()
    base = url_for("lims.sample_list")
    states = [(st.value, lab, counts.get(st.value, 0), f"{base}?{urlencode({'estado': st.value})}")
              for st, lab in machine.LABELS.items()]

    def page_url(n: int) -> str | None:
        if not 1 <= n <= pages or n == page:
            return None
        return url_for("lims.sample_list", **(a.to_dict() | {"pagina": n}))

    return render_template("lims/amostras.html", total=total, page=page, pages=pages,
                           rows=_list_rows(rows, {s.id: s.code for s in systems}, today),
                           prev_url=page_url(page - 1), next_url=page_url(page + 1),
                           systems=systems, args=a, states=states, today=today,
                           can_manage=current().can("lims.samples.manage"))


@bp.route("/amostras/<int:sample_id>")
@require("lims.samples.view")
def sample_detail(sample_id: int):  # type: ignore[no-untyped-def]
    s, point, system, results, names = sample_pages.with_place(sample_id)
    history = sample_pages.history_with_names(s.id)
    ids = {v for h, _who in history for k, pair in (h.changes or {}).items() if k in USER_FIELDS
           for v in (pair if isinstance(pair, list) else [pair]) if isinstance(v, int)}
    names |= sample_pages.people(ids - set(names))  # whom else the history names, if anyone
    lab = session.get(Laboratory, s.assigned_lab_id) if s.assigned_lab_id else None
    origin = samples.get(s.origin_sample_id) if s.origin_sample_id else None
    tz = fmt.zone()
    lines = [(h, who, describe_changes(h.action, h.changes, names, tz)) for h, who in history]
    return render_template("lims/amostra.html", s=s, point=point, system=system, names=names,
                           lab=lab, origin=origin, history=lines, label=machine.label,
                           has_results=results,
                           can_cancel=s.state in machine.CANCELLABLE,
                           can_reprogram=s.state in machine.REPROGRAMMABLE,
                           can_manage=current().can("lims.samples.manage"))


@bp.route("/amostras/<int:sample_id>/cancelar", methods=["POST"])
@require("lims.samples.manage")
def sample_cancel(sample_id: int):  # type: ignore[no-untyped-def]
    s = samples.cancel_sample(sample_id, reason=request.form.get("motivo", ""), user_id=current().id)
    return done(f"Amostra {s.code} cancelada.", "lims.sample_detail", sample_id=sample_id)


@bp.route("/amostras/<int:sample_id>/reprogramar", methods=["POST"])
@require("lims.samples.manage")
def sample_reschedule(sample_id: int):  # type: ignore[no-untyped-def]
    day = _parse_date(request.form.get("data"), "data")
    if day is None:
        raise ValidationError("Informe a nova data.", fields={"data": ["obrigatoria"]})
    s = samples.reprogram(sample_id, day, reason=request.form.get("motivo", ""), user_id=current().id)
    flash(f"Amostra {s.code} reprogramada para {day:%d/%m/%Y}.", "sucesso")
    return redirect(url_for("lims.sample_detail", sample_id=sample_id))


@bp.route("/amostras/liberar", methods=["POST"])
@require("lims.samples.manage")
def samples_release():  # type: ignore[no-untyped-def]
    """PROGRAMADA -> AGUARDANDO COLETA for one day (and system): what routes are built from."""
    day = _parse_date(request.form.get("data"), "data") or dt.date.today()
    ids = form_ids("amostra") or None
    done = samples.release_day(day, system_id=request.form.get("sistema", type=int),
                               user_id=current().id, sample_ids=ids)
    flash(f"{len(done)} amostra(s) liberada(s) para coleta em {day:%d/%m/%Y}.", "sucesso")
    return redirect(request.referrer or url_for("lims.sample_list", estado="AGUARDANDO COLETA"))


def dashboard_widgets(user) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    if user is None or not user.can("lims.samples.view"):
        return []

    today = fmt.today()
    collect = [SampleState.SCHEDULED, SampleState.AWAITING_COLLECTION]
    to_collect = Sample.state.in_(collect)
    publisher = user.can("lims.results.publish")
    due, waiting, late, *n = session.execute(select(  # the cards in one statement
        func.count().filter(Sample.scheduled_for == today, to_collect),
        func.count().filter(Sample.state == SampleState.AWAITING_ANALYSIS),
        func.count().filter(Sample.scheduled_for < today, to_collect),
        *([awaiting_publication_count(subquery=True)] if publisher else [])).where(
        Sample.state.in_([*collect, SampleState.AWAITING_ANALYSIS]))).one()
    cards = []
    if publisher:
        n = n[0] or 0
        cards.append({"title": "Aguardando publicação", "value": n,
                      "hint": "resultados validados que o cidadão ainda não vê",
                      "url": url_for("lims.publication"), "tone": "alerta" if n else "ok"})
    return [
        *cards,
        {"title": "Coletas de hoje", "value": due, "hint": "programadas ou aguardando coleta",
         "url": url_for("lims.sample_list", de=today.isoformat(), ate=today.isoformat()),
         "tone": "ok"},
        {"title": "Aguardando análise", "value": waiting, "hint": "recebidas no laboratório",
         "url": url_for("lims.sample_list", estado="AGUARDANDO ANALISE"), "tone": "ok"},
        {"title": "Coletas atrasadas", "value": late, "hint": "data passada, sem coleta",
         "url": url_for("lims.sample_list", ate=(today - dt.timedelta(days=1)).isoformat(),
                        estado="AGUARDANDO COLETA"), "tone": "alerta" if late else "ok"},
    ]


# -- JSON API ---------------------------------------------------------------------------------

class SampleArgs(Schema):
    estado = fields.String(validate=validate.OneOf([s.value for s in SampleState]))
    sistema = fields.Integer()
    ponto = fields.Integer()
    plano = fields.Integer()
    de = fields.Date()
    ate = fields.Date()
    codigo = fields.String(validate=validate.Length(max=40))
    recoleta = fields.Boolean()
    limite = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    inicio = fields.Integer(load_default=0, validate=validate.Range(0))


class TransitionIn(Schema):
    estado = fields.String(required=True, validate=validate.OneOf([
        SampleState.AWAITING_COLLECTION.value, SampleState.SCHEDULED.value,
        SampleState.CANCELLED.value]),
        metadata={"description": "AGUARDANDO COLETA (liberar), PROGRAMADA (reprogramar, com "
                                 "data) ou CANCELADA; coleta, recepção e resultados tem suas "
                                 "próprias rotas"})
    motivo = fields.String(load_default="", validate=validate.Length(max=1000))
    data = fields.Date(metadata={"description": "nova data (reprogramação)"})


class PointArgs(Schema):
    sistema = fields.Integer()


# -- answers: each a dataclass, the one list of its fields; the OpenAPI schema is derived -----

@dataclass(frozen=True)
class HistoryAnswer:
    """One line of the sample's audit trail (`historico`, oldest first): when (ISO 8601), who,
    the action, the fields it changed and the reason typed."""

    em: str
    usuario: str | None
    acao: str
    alteracoes: dict | None
    motivo: str | None


@dataclass(frozen=True)
class SampleAnswer:
    """A sample as the search lists it: state, where, when and its parameters."""

    id: int
    codigo: str
    estado: str
    ponto_id: int
    sistema_id: int
    plano_id: int | None
    secao: str | None
    data_programada: str
    recoleta: bool
    amostra_origem_id: int | None
    rota_id: int | None
    coletada_em: str | None
    recebida_em: str | None
    parametros: tuple[str, ...]


@dataclass(frozen=True)
class SampleFullAnswer(SampleAnswer):
    """One sample with its field data, assignment, possible transitions and history."""

    data_do_plano: str | None
    latitude: float | None
    longitude: float | None
    leituras_de_campo: dict
    motivo_nao_coletada: str | None
    temperatura_chegada: str | None
    analista_id: int | None
    laboratorio_id: int | None
    motivo_cancelamento: str | None
    reprogramacoes: int
    transicoes_possiveis: tuple[str, ...]
    historico: tuple[HistoryAnswer, ...]


_SAMPLE_DOCS = {"data_programada": "AAAA-MM-DD"}
HistoryOut = dataclass_schema(HistoryAnswer, "HistoryOut")
SampleOut = dataclass_schema(SampleAnswer, "SampleOut", descriptions=_SAMPLE_DOCS)
SampleFullOut = dataclass_schema(SampleFullAnswer, "SampleFullOut", descriptions=_SAMPLE_DOCS,
                                 historico=fields.List(fields.Nested(HistoryOut)))


def _full_fields(s) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What only the answer about one sample has."""
    return dict(
        data_do_plano=s.planned_for.isoformat() if s.planned_for else None,
        latitude=s.latitude, longitude=s.longitude,
        leituras_de_campo=s.field_readings or {}, motivo_nao_coletada=s.not_collected_reason,
        temperatura_chegada=str(s.arrival_temperature) if s.arrival_temperature is not None else None,
        analista_id=s.assigned_analyst_id, laboratorio_id=s.assigned_lab_id,
        motivo_cancelamento=s.cancel_reason, reprogramacoes=s.reprogram_count,
        transicoes_possiveis=tuple(sorted(t.value for t in machine.allowed_targets(s.state))),
        historico=tuple(HistoryAnswer(h.at.isoformat(), h.username, h.action, h.changes, h.reason)
                        for h in samples.history(s.id)))


def sample_json(s, full: bool = False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The sample's answer; full: with its field data, assignment, transitions and history."""
    return asdict((SampleFullAnswer if full else SampleAnswer)(
        id=s.id, codigo=s.code, estado=str(s.state), ponto_id=s.point_id,
        sistema_id=s.system_id, plano_id=s.plan_id, secao=s.section,
        data_programada=s.scheduled_for.isoformat(), recoleta=s.is_recoleta,
        amostra_origem_id=s.origin_sample_id, rota_id=s.route_id,
        coletada_em=s.collected_at.isoformat() if s.collected_at else None,
        recebida_em=s.received_at.isoformat() if s.received_at else None,
        parametros=tuple(sp.parameter.code for sp in s.parameters),
        **(_full_fields(s) if full else {})))


class SamplePageOut(Schema):
    total = fields.Integer()
    amostras = fields.List(fields.Nested(SampleOut))


SystemOut = dataclass_schema(lims_api.SystemInfo, "SystemOut")
PointOut = dataclass_schema(
    lims_api.PointInfo, "PointOut",
    montante=fields.List(fields.Integer(), metadata={"description": "pontos a montante"}),
    jusante=fields.List(fields.Integer(), metadata={"description": "pontos a jusante"}))


@api.route("/amostras")
class SamplesApi(MethodView):
    @operation(api, "lims.samples.view", SampleArgs, location="query", out=SamplePageOut,
               dump=False, description="Amostras")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Amostras com filtros (estado, sistema, ponto, plano, período, código, recoleta)."""
        rows, total = samples.search(state=args.get("estado"), system_id=args.get("sistema"),
                             point_id=args.get("ponto"), plan_id=args.get("plano"),
                             since=args.get("de"), until=args.get("ate"), code=args.get("codigo"),
                             recoleta=args.get("recoleta"), limit=args["limite"],
                             offset=args["inicio"])
        return {"total": total, "amostras": [sample_json(s) for s in rows]}


@api.route("/amostras/<int:sample_id>")
class SampleApi(MethodView):
    @operation(api, "lims.samples.view", out=SampleFullOut, dump=False, description="A amostra")
    def get(self, sample_id):  # type: ignore[no-untyped-def]
        """Uma amostra com leituras de campo, transições possíveis e histórico."""
        return sample_json(samples.get(sample_id), full=True)


@api.route("/amostras/codigo/<string:code>")
class SampleByCodeApi(MethodView):
    @operation(api, "lims.samples.view", out=SampleFullOut, dump=False, description="A amostra")
    def get(self, code):  # type: ignore[no-untyped-def]
        """Uma amostra pelo código de barras."""
        s = samples.get_by_code(code)
        if s is None:
            raise NotFound(f"Código {code} desconhecido.")
        return sample_json(s, full=True)


@api.route("/amostras/<int:sample_id>/transicoes")
class SampleTransitionApi(MethodView):
    @operation(api, "lims.samples.manage", TransitionIn, out=SampleFullOut, dump=False,
               description="A amostra no novo estado")
    def post(self, args, sample_id):  # type: ignore[no-untyped-def]
        """Muda o estado: liberar para coleta, reprogramar (nova data e motivo) ou cancelar (motivo)."""
        target, reason, uid = args["estado"], args["motivo"], current().id
        if target == SampleState.CANCELLED:
            s = samples.cancel_sample(sample_id, reason=reason, user_id=uid)
        elif target == SampleState.SCHEDULED:
            if not args.get("data"):
                raise ValidationError("Informe a nova data.", fields={"data": ["obrigatoria"]})
            s = samples.reprogram(sample_id, args["data"], reason=reason, user_id=uid)
        else:
            s = samples.get(sample_id)
            if s.state is not SampleState.SCHEDULED:
                machine.check_transition(s.state, target)
                raise Conflict("Transição inválida.")
            s = samples.transition(sample_id, target, user_id=uid, reason=reason or "liberada para coleta")
        return sample_json(s, full=True)


@api.route("/sistemas")
class SystemsApi(MethodView):
    @operation(api, "lims.registry.view", out=SystemOut(many=True), dump=False,
               description="Sistemas")
    def get(self):  # type: ignore[no-untyped-def]
        """Sistemas de abastecimento ativos."""
        return [asdict(s) for s in lims_api.systems()]


@api.route("/pontos")
class PointsApi(MethodView):
    @operation(api, "lims.registry.view", PointArgs, location="query", out=PointOut(many=True),
               dump=False, description="Pontos de coleta")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Pontos de coleta ativos (opcionalmente de um sistema), com vizinhos de montante/jusante."""
        pts = lims_api.points(args.get("sistema"))
        links = neighbours_map([p.id for p in pts])
        return [asdict(p) | {"montante": links[p.id][0], "jusante": links[p.id][1]} for p in pts]
