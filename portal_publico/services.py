"""What the citizens' site shows, composed from the areas' public interfaces only
(lims.api, incidents.api, commercial.api). Read-only: nothing here writes, except the
satisfaction survey, which is incidents' own use case.

Every read degrades: while another area's function is not available (NotImplementedError)
or fails, the page says "sem dados" instead of breaking.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import exc as sa_exc

from commercial import api as commercial_api
from core import fmt
from core.db import session
from incidents import api as incidents_api
from lims import api as lims_api

log = logging.getLogger(__name__)
T = TypeVar("T")

VERDICTS = {
    # verdict -> (words, icon, css tone); never colour alone
    "conforme": ("Dentro do padrão", "ok", "ok"),
    "nao_conforme": ("Fora do padrão", "falha", "falha"),
    "indeterminado": ("Inconclusivo", "alerta", "alerta"),
    # pH outside its recommended range: a recommendation, not the standard (issue 13)
    "fora_da_recomendacao": ("Fora da faixa recomendada", "alerta", "alerta"),
    "sem_dados": ("Sem dados publicados", "vazio", "vazio"),
}

# Plain words for each basic parameter (no numbers here: limits come from lims.api).
EXPLAIN = {
    "turbidez": "Indica se a água está turva, com partículas em suspensão. Água turva pode "
                "proteger microrganismos da desinfecção; na saída do tratamento a meta é ainda "
                "mais rigorosa que na rede.",
    "cor_aparente": "Mede a cor da água. Cor alta não é, por si só, um risco à saúde, mas pode "
                    "indicar ferrugem ou sedimentos na rede e afeta a aceitação da água.",
    "cloro_residual_livre": "É o cloro que continua na água depois do tratamento e a protege "
                            "de contaminação até a sua torneira. Precisa haver um mínimo em "
                            "toda a rede e não pode passar do máximo.",
    "fluoreto": "Adicionado para prevenir cáries. Em excesso pode causar manchas nos dentes "
                "(fluorose), por isso tem um limite máximo.",
    "coliformes_totais": "Bactérias indicadoras: se aparecem, a água pode ter sido contaminada "
                         "em algum ponto ou a desinfecção falhou. O serviço coleta de novo no "
                         "mesmo local e nos vizinhos (recoleta) e corrige a causa.",
    "escherichia_coli": "Bactéria de origem fecal. Deve estar ausente em todas as amostras; se "
                        "for encontrada, o serviço avisa a população e toma medidas imediatas.",
}

POINT_KINDS = {
    "captacao": "Captação (água bruta)",
    "saida_tratamento": "Saída do tratamento",
    "reservatorio": "Reservatório",
    "rede": "Rede de distribuição",
    "ponta_de_rede": "Ponta de rede",
    "poco": "Poço",
    "torneira": "Torneira (cavalete)",
}
SOURCE_TYPES = {"superficial": "Manancial superficial (rio/represa)",
                "subterraneo": "Manancial subterrâneo (poços)", "misto": "Superficial e subterrâneo"}
TREATMENT_TYPES = {"filtracao_rapida": "Tratamento convencional com filtração rápida",
                   "filtracao_lenta": "Filtração lenta", "membrana": "Filtração em membrana",
                   "so_desinfeccao": "Somente desinfecção (cloração) e fluoretação"}
NOTICE_KINDS = {"interrupcao": "Interrupção no abastecimento", "qualidade": "Qualidade da água",
                "manutencao": "Manutenção programada"}


def plain_limit(lim: lims_api.StandardLimit | None) -> str:
    """The limit in plain words: "no máximo 5 uT", "entre 0,2 e 5 mg/L", "deve estar ausente"."""
    return lim.plain if lim is not None else "sem limite definido"


# -- degrading calls and a short memo ------------------------------------------------------------

def safe(fn: Callable[..., T], *args: Any, default: T, **kwargs: Any) -> T:
    """Call another area; `default` while it is not implemented or fails. A database error
    inside it leaves the request's transaction usable: a read (a GET or HEAD with nothing
    pending in the session, what the public pages are) rolls its transaction back after such
    an error, losing nothing of its own; any other call runs in a SAVEPOINT (two statements
    more a call: the home page made four of its eight)."""
    reading = _reading()
    try:
        if reading:
            return fn(*args, **kwargs)
        with session.begin_nested():
            return fn(*args, **kwargs)
    except NotImplementedError:
        return default
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError):
        raise  # the database is down: a 503 for the whole page, never empty data cached
    except Exception as exc:  # a public page must not break on another area's bug
        log.exception("portal: %s failed", getattr(fn, "__name__", fn))
        if reading and isinstance(exc, sa_exc.SQLAlchemyError):
            session.rollback()  # PostgreSQL refuses every statement after a failed one
        return default


def _reading() -> bool:
    """A request that only reads: GET or HEAD, no change waiting in the session."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    s = session()
    return not (s.new or s.deleted or s.dirty)


_MEMO: dict[tuple[Any, ...], tuple[float, Any]] = {}
_MEMO_LOCK = threading.Lock()
MEMO_SECONDS = 60.0  # the registry (systems, points, limits) changes rarely; 0 disables (tests)


def memo(key: tuple[Any, ...], fn: Callable[[], T]) -> T:
    """Keep a registry read (systems, points, limits) for MEMO_SECONDS, per process."""
    if MEMO_SECONDS <= 0:
        return fn()
    now = time.monotonic()
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if hit is not None and now - hit[0] < MEMO_SECONDS:
        return hit[1]
    value = fn()
    with _MEMO_LOCK:
        if len(_MEMO) > 2000:
            _MEMO.clear()
        _MEMO[key] = (now, value)
    return value


def clear_memo() -> None:
    with _MEMO_LOCK:
        _MEMO.clear()


# -- calendar ------------------------------------------------------------------------------------

def today() -> dt.date:
    """Today in the utility's time zone (core.fmt)."""
    return fmt.today()


# -- systems and points --------------------------------------------------------------------------

def systems() -> list[lims_api.SystemInfo]:
    return memo(("systems",), lambda: safe(lims_api.systems, default=[]))


def system(system_id: int) -> lims_api.SystemInfo | None:
    return next((s for s in systems() if s.id == system_id), None)


def points(system_id: int | None = None) -> list[lims_api.PointInfo]:
    every = memo(("points",), lambda: safe(lims_api.points, default=[]))
    return [p for p in every if p.active and (system_id is None or p.system_id == system_id)]


def point(point_id: int) -> lims_api.PointInfo | None:
    return next((p for p in points() if p.id == point_id), None)


def limits() -> dict[str, lims_api.StandardLimit]:
    return memo(("limits",), lambda: safe(lims_api.standard_limits, default={}))


# -- monthly summaries ---------------------------------------------------------------------------

def summaries(system_ids: list[int], months: list[tuple[int, int]]) -> dict[tuple[int, int, int], lims_api.QualitySummary | None]:
    """Monthly summaries (published data): a closed month from the rows stored at its closing, the
    others computed, kept MEMO_SECONDS; each asked once a request (kept in its WSGI environ)."""
    keys = [(sid, y, m) for sid in system_ids for y, m in months]
    seen = request.environ.setdefault("saae.summaries", {}) if has_request_context() else {}
    want = [k for k in keys if k not in seen]
    got = safe(lims_api.quality_summaries, want, stored_only=True, default={}) if want else {}
    todo = tuple(k for k in want if k not in got)
    if todo:  # in one call; a failing one degrades per month (never blanks the others)
        got = {**got, **memo(("summaries", todo), lambda: safe(
            lims_api.quality_summaries, list(todo), published_only=True, default={}))}
    seen.update({k: got.get(k) or safe(lims_api.quality_summary, *k, default=None) for k in want})
    return {k: seen[k] for k in keys}


def summary(system_id: int, year: int, month: int) -> lims_api.QualitySummary | None:
    return summaries([system_id], [(year, month)])[(system_id, year, month)]


def has_data(q: lims_api.QualitySummary | None) -> bool:
    return q is not None and any(p.analysed for p in q.parameters)


def reference_month(system_id: int, on: dt.date | None = None) -> tuple[int, int]:
    """This month if it already has published results, else the previous month."""
    on = on or today()
    if has_data(summary(system_id, on.year, on.month)):
        return on.year, on.month
    return fmt.month_add(on.year, on.month, -1)


@dataclass(frozen=True)
class SystemCard:
    system: lims_api.SystemInfo
    year: int
    month: int
    summary: lims_api.QualitySummary | None
    verdicts: tuple[tuple[str, str, str], ...]  # (code, name, verdict)
    overall: str


def _param_names() -> dict[str, str]:
    return {"turbidez": "Turbidez", "cor_aparente": "Cor aparente",
            "cloro_residual_livre": "Cloro residual livre", "fluoreto": "Fluoreto",
            "coliformes_totais": "Coliformes totais", "escherichia_coli": "Escherichia coli"}


def card(s: lims_api.SystemInfo, on: dt.date | None = None) -> SystemCard:
    y, m = reference_month(s.id, on)
    q = summary(s.id, y, m)
    got = {p.parameter_code: p for p in (q.parameters if q else ())}
    names = _param_names()
    verdicts = tuple((c, got[c].parameter_name if c in got else names.get(c, c),
                      got[c].verdict if c in got else "sem_dados")
                     for c in lims_api.BASIC_PARAMETER_CODES)
    vs = {v for _c, _n, v in verdicts}
    overall = ("nao_conforme" if "nao_conforme" in vs else "indeterminado" if "indeterminado" in vs
               else "conforme" if "conforme" in vs else "sem_dados")
    return SystemCard(s, y, m, q, verdicts, overall)


def home_cards() -> list[SystemCard]:
    every = systems()
    t = today()
    summaries([s.id for s in every], [(t.year, t.month), fmt.month_add(t.year, t.month, -1)])
    return [card(s) for s in every]


@dataclass(frozen=True)
class Trend:
    parameter_code: str
    parameter_name: str
    unit: str
    months: tuple[tuple[int, int], ...]
    means: tuple[float | None, ...]
    verdicts: tuple[str, ...]
    analysed: tuple[int, ...]
    nonconforming: tuple[int, ...]
    limit: lims_api.StandardLimit | None


def trends(system_id: int, months: int = 12, until: tuple[int, int] | None = None) -> list[Trend]:
    """Per basic parameter, the monthly mean and verdict of the last `months` months."""
    until = until or reference_month(system_id)
    keys = [fmt.month_add(until[0], until[1], -k) for k in range(months - 1, -1, -1)]
    got = summaries([system_id], keys)
    sums = [got[(system_id, y, m)] for y, m in keys]
    lim = limits()
    names = _param_names()
    out = []
    for code in lims_api.BASIC_PARAMETER_CODES:
        rows = [next((p for p in (q.parameters if q else ()) if p.parameter_code == code), None)
                for q in sums]
        first = next((r for r in rows if r is not None), None)
        out.append(Trend(
            parameter_code=code, parameter_name=first.parameter_name if first else names[code],
            unit=first.unit if first else (lim[code].unit if code in lim else ""),
            months=tuple(keys), means=tuple(r.mean if r else None for r in rows),
            verdicts=tuple(r.verdict if r else "sem_dados" for r in rows),
            analysed=tuple(r.analysed if r else 0 for r in rows),
            nonconforming=tuple((r.analysed - r.conforming) if r else 0 for r in rows),
            limit=lim.get(code)))
    return out


# -- find my water -------------------------------------------------------------------------------

def locate(query: str) -> list[commercial_api.ServiceLocation]:
    q = " ".join((query or "").split())[:120]
    if len(q) < 2:
        return []
    return safe(commercial_api.locate_public, q, 20, default=[])


def neighbourhoods() -> list[str]:
    return memo(("hoods",), lambda: safe(commercial_api.neighbourhoods, default=[]))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 6371 * 2 * math.asin(math.sqrt(h))


def nearby_points(system_id: int, neighbourhood: str | None, lat: float | None,
                  lon: float | None, n: int = 3) -> list[tuple[lims_api.PointInfo, float | None]]:
    """The system's distribution points nearest to the place (same neighbourhood first)."""
    pts = [p for p in points(system_id) if p.kind not in ("captacao", "poco")]
    hood = (neighbourhood or "").casefold()

    def key(p: lims_api.PointInfo) -> tuple[int, float]:
        d = (distance_km((lat, lon), (p.latitude, p.longitude))
             if None not in (lat, lon, p.latitude, p.longitude) else 99.0)
        return (0 if hood and (p.neighbourhood or "").casefold() == hood else 1, d)

    ranked = sorted(pts, key=key)[:n]
    return [(p, (distance_km((lat, lon), (p.latitude, p.longitude))
                 if None not in (lat, lon, p.latitude, p.longitude) else None)) for p in ranked]


@dataclass(frozen=True)
class LatestSample:
    point_id: int
    point_name: str
    sample_code: str
    collected_at: dt.datetime | None
    results: tuple[lims_api.PublishedResult, ...]


def latest_samples(point_id: int, n: int = 1) -> list[LatestSample]:
    """The point's last `n` published samples with their results."""
    rows = safe(lims_api.published_results, point_id=point_id, limit=60, default=[])
    by_sample: dict[int, list[lims_api.PublishedResult]] = {}
    for r in rows:
        by_sample.setdefault(r.sample_id, []).append(r)
    out = []
    order = {c: i for i, c in enumerate(lims_api.BASIC_PARAMETER_CODES)}
    for rs in list(by_sample.values())[:n]:
        rs.sort(key=lambda r: (order.get(r.parameter_code, 99), r.parameter_name))
        out.append(LatestSample(rs[0].point_id, rs[0].point_name, rs[0].sample_code,
                                rs[0].collected_at, tuple(rs)))
    return out


@dataclass(frozen=True)
class MyWater:
    system: lims_api.SystemInfo
    place: str
    neighbourhood: str | None
    sector_code: str | None
    latitude: float | None
    longitude: float | None
    card: SystemCard
    nearby: list[tuple[lims_api.PointInfo, float | None, list[LatestSample]]]
    trends: list[Trend]
    notices: list[incidents_api.PublicNotice] = field(default_factory=list)


def my_water(system_id: int, *, place: str = "", neighbourhood: str | None = None,
             sector_code: str | None = None, lat: float | None = None,
             lon: float | None = None) -> MyWater | None:
    s = system(system_id)
    if s is None:
        return None
    c = card(s)
    near = [(p, d, latest_samples(p.id)) for p, d in nearby_points(system_id, neighbourhood, lat, lon)]
    hood = (neighbourhood or "").casefold()
    notes = [n for n in current_notices()
             if not n.neighbourhoods or not hood
             or hood in {x.casefold() for x in n.neighbourhoods}]
    return MyWater(s, place or (neighbourhood or s.name), neighbourhood, sector_code, lat, lon, c,
                   near, trends(system_id, until=(c.year, c.month)), notes)


# -- a collection point --------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    parameter_code: str
    parameter_name: str
    unit: str
    points: tuple[tuple[dt.datetime, float | None, str, bool | None], ...]  # at, value, text, ok
    limit: lims_api.StandardLimit | None


def point_history(point_id: int, days: int = 365) -> tuple[list[lims_api.PublishedResult], list[Series]]:
    since = today() - dt.timedelta(days=days)
    rows = safe(lims_api.published_results, point_id=point_id, since=since, limit=1000, default=[])
    lim = limits()
    by_code: dict[str, list[lims_api.PublishedResult]] = {}
    for r in rows:
        by_code.setdefault(r.parameter_code, []).append(r)
    order = {c: i for i, c in enumerate(lims_api.BASIC_PARAMETER_CODES)}
    series = []
    for code in sorted(by_code, key=lambda c: (order.get(c, 99), c)):
        rs = sorted(by_code[code], key=lambda r: r.collected_at or r.published_at)
        series.append(Series(code, rs[0].parameter_name, rs[0].unit,
                             tuple((r.collected_at or r.published_at, r.numeric, r.value,
                                    r.conforming) for r in rs), lim.get(code)))
    return rows, series


def current_notices() -> list[incidents_api.PublicNotice]:
    return safe(incidents_api.public_notices, active=True, limit=50, default=[])
