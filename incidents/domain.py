"""Pure rules of incidents: the incident lifecycle, the work-order state machine, delivery
status ordering, the evidence hash chain, notice templates and the nearest technician.

No Flask, no SQLAlchemy: everything here is tested without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# ---------------------------------------------------------------------------------------------
# incident lifecycle
# ---------------------------------------------------------------------------------------------


class IncidentState(StrEnum):
    ABERTO = "aberto"
    EM_ANALISE = "em_analise"
    EM_ATENDIMENTO = "em_atendimento"
    RESOLVIDO = "resolvido"
    ENCERRADO = "encerrado"
    CANCELADO = "cancelado"


INCIDENT_LABELS = {
    IncidentState.ABERTO: "Aberto",
    IncidentState.EM_ANALISE: "Em análise",
    IncidentState.EM_ATENDIMENTO: "Em atendimento",
    IncidentState.RESOLVIDO: "Resolvido",
    IncidentState.ENCERRADO: "Encerrado",
    IncidentState.CANCELADO: "Cancelado",
}

_I = IncidentState
INCIDENT_TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    _I.ABERTO: frozenset({_I.EM_ANALISE, _I.EM_ATENDIMENTO, _I.RESOLVIDO, _I.CANCELADO}),
    _I.EM_ANALISE: frozenset({_I.EM_ATENDIMENTO, _I.RESOLVIDO, _I.CANCELADO}),
    _I.EM_ATENDIMENTO: frozenset({_I.EM_ANALISE, _I.RESOLVIDO, _I.CANCELADO}),
    _I.RESOLVIDO: frozenset({_I.ENCERRADO, _I.ABERTO, _I.EM_ATENDIMENTO}),  # it came back
    _I.ENCERRADO: frozenset(),
    _I.CANCELADO: frozenset(),
}
OPEN_INCIDENT_STATES = frozenset({_I.ABERTO, _I.EM_ANALISE, _I.EM_ATENDIMENTO})


class TransitionError(ValueError):
    """A state change the machine does not allow (services turn it into IllegalTransition)."""


def incident_next(current: str, target: str) -> IncidentState:
    """The new state, or TransitionError if `current -> target` is not allowed."""
    cur, tgt = IncidentState(current), IncidentState(target)
    if tgt not in INCIDENT_TRANSITIONS[cur]:
        raise TransitionError(
            f"Incidente {INCIDENT_LABELS[cur]} não pode passar a {INCIDENT_LABELS[tgt]}")
    return tgt


SEVERITIES = ("baixa", "media", "alta", "critica")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def escalates(current: str, new: str) -> bool:
    return severity_rank(new) > severity_rank(current)


REOPEN_WINDOW = dt.timedelta(hours=2)


def should_reopen(state: str, resolved_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A new anomaly soon after an (automatic) resolution is the same problem coming back."""
    return state == _I.RESOLVIDO and resolved_at is not None and now - resolved_at <= REOPEN_WINDOW


def should_auto_resolve(*, enabled: bool, state: str, open_work_orders: int,
                        any_work_orders: int) -> bool:
    """An anomaly that cleared before anyone acted resolves its incident (when enabled)."""
    return (enabled and state in (_I.ABERTO, _I.EM_ANALISE) and open_work_orders == 0
            and any_work_orders == 0)


# ---------------------------------------------------------------------------------------------
# work orders (tender 7.9)
# ---------------------------------------------------------------------------------------------


class WorkOrderState(StrEnum):
    PENDENTE = "pendente"
    PROGRAMADO = "programado"
    POSTERGADA = "postergada"
    PARA_REPROGRAMAR = "para_reprogramar"
    SUSPENSA_ESTUDO = "suspensa_estudo"
    SUSPENSA_ENCERRAMENTO = "suspensa_encerramento"
    CANCELADA = "cancelada"
    ENCERRADO_EXECUTADO = "encerrado_executado"
    ENCERRADO_CANCELADO = "encerrado_cancelado"


WO_LABELS = {
    WorkOrderState.PENDENTE: "Pendente",
    WorkOrderState.PROGRAMADO: "Programado",
    WorkOrderState.POSTERGADA: "Postergada",
    WorkOrderState.PARA_REPROGRAMAR: "Para Reprogramar",
    WorkOrderState.SUSPENSA_ESTUDO: "Suspensa para Estudo",
    WorkOrderState.SUSPENSA_ENCERRAMENTO: "Suspensa para Encerramento",
    WorkOrderState.CANCELADA: "Cancelada",
    WorkOrderState.ENCERRADO_EXECUTADO: "Encerrado - Executado",
    WorkOrderState.ENCERRADO_CANCELADO: "Encerrado - Cancelado",
}

_W = WorkOrderState
WO_TRANSITIONS: dict[WorkOrderState, frozenset[WorkOrderState]] = {
    _W.PENDENTE: frozenset({_W.PROGRAMADO, _W.SUSPENSA_ESTUDO, _W.CANCELADA}),
    _W.PROGRAMADO: frozenset({_W.POSTERGADA, _W.PARA_REPROGRAMAR, _W.SUSPENSA_ESTUDO,
                              _W.SUSPENSA_ENCERRAMENTO, _W.ENCERRADO_EXECUTADO, _W.CANCELADA}),
    _W.POSTERGADA: frozenset({_W.PROGRAMADO, _W.PARA_REPROGRAMAR, _W.CANCELADA}),
    _W.PARA_REPROGRAMAR: frozenset({_W.PROGRAMADO, _W.CANCELADA}),
    _W.SUSPENSA_ESTUDO: frozenset({_W.PENDENTE, _W.PROGRAMADO, _W.CANCELADA}),
    _W.SUSPENSA_ENCERRAMENTO: frozenset({_W.ENCERRADO_EXECUTADO, _W.ENCERRADO_CANCELADO,
                                         _W.PROGRAMADO}),
    _W.CANCELADA: frozenset({_W.ENCERRADO_CANCELADO}),
    _W.ENCERRADO_EXECUTADO: frozenset(),
    _W.ENCERRADO_CANCELADO: frozenset(),
}
WO_CLOSED = frozenset({_W.ENCERRADO_EXECUTADO, _W.ENCERRADO_CANCELADO, _W.CANCELADA})


@dataclass(frozen=True)
class WorkOrderFacts:
    """What the machine needs to know besides the two states."""

    postponements: int = 0
    max_postponements: int = 0  # 0 = unlimited
    needs_approval: bool = False
    approved: bool = False
    assigned: bool = False
    closing_form_missing: tuple[str, ...] = ()


def wo_next(current: str, target: str, facts: WorkOrderFacts = WorkOrderFacts()) -> WorkOrderState:
    """The new work-order state, or TransitionError with the pt-BR reason."""
    cur, tgt = WorkOrderState(current), WorkOrderState(target)
    if tgt not in WO_TRANSITIONS[cur]:
        raise TransitionError(f"OS {WO_LABELS[cur]} não pode passar a {WO_LABELS[tgt]}")
    if tgt == _W.PROGRAMADO:
        if facts.needs_approval and not facts.approved:
            raise TransitionError("Este serviço exige aprovação antes da execução")
        if not facts.assigned:
            raise TransitionError("Programar exige uma equipe ou técnico designado")
    if tgt == _W.POSTERGADA and facts.max_postponements and \
            facts.postponements >= facts.max_postponements:
        raise TransitionError(
            f"Limite de {facts.max_postponements} postergações atingido para este serviço")
    if tgt == _W.ENCERRADO_EXECUTADO and facts.closing_form_missing:
        raise TransitionError("Formulário de encerramento incompleto: "
                              + ", ".join(facts.closing_form_missing))
    return tgt


def wo_deadline(opened_at: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """The due time from the catalogue's deadline (unit 'horas' or 'dias')."""
    return opened_at + (dt.timedelta(hours=amount) if unit == "horas" else dt.timedelta(days=amount))


def missing_form_fields(form: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Labels of required closing-form fields without an answer."""
    return tuple(str(f.get("label") or f["name"]) for f in form
                 if f.get("required", True) and str(answers.get(f["name"], "")).strip() == "")


def periods(actions: Iterable[tuple[str, dt.datetime]]) -> dict[str, float | None]:
    """Travel / waiting / execution minutes from the technician's timestamped steps."""
    first: dict[str, dt.datetime] = {}
    for kind, at in sorted(actions, key=lambda a: a[1]):
        first.setdefault(kind, at)

    def minutes(a: str, b: str) -> float | None:
        if a in first and b in first and first[b] >= first[a]:
            return round((first[b] - first[a]).total_seconds() / 60, 1)
        return None

    return {"deslocamento": minutes("a_caminho", "chegou"),
            "espera": minutes("chegou", "inicio"),
            "execucao": minutes("inicio", "encerrar")}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class TechCandidate:
    id: int
    skills: tuple[str, ...]
    available: bool
    latitude: float | None
    longitude: float | None


def nearest_technician(candidates: Iterable[TechCandidate], skill: str, lat: float | None,
                       lon: float | None) -> tuple[int, float | None] | None:
    """(technician id, km) of the nearest available one with the skill; those without a known
    position come after every located one; None when nobody fits."""
    best: tuple[float, int, float | None] | None = None
    for c in candidates:
        if not c.available or (skill and skill not in c.skills):
            continue
        if None in (lat, lon, c.latitude, c.longitude):
            key, km = math.inf, None
        else:
            km = haversine_km(lat, lon, c.latitude, c.longitude)  # type: ignore[arg-type]
            key = km
        if best is None or (key, c.id) < (best[0], best[1]):
            best = (key, c.id, km)
    return (best[1], None if best[2] is None else round(best[2], 2)) if best else None


# ---------------------------------------------------------------------------------------------
# messages and delivery
# ---------------------------------------------------------------------------------------------

# furthest state wins: a late 'sent' never undoes 'read'; 'failed' only beats 'sent'
DELIVERY_RANK = {"pendente": 0, "enviando": 1, "enviado": 2, "falhou": 3, "entregue": 4, "lido": 5}
PROVIDER_STATUS = {"accepted": "enviado", "sent": "enviado", "queued": "enviado",
                   "delivered": "entregue", "read": "lido", "failed": "falhou",
                   "undelivered": "falhou", "enviado": "enviado", "entregue": "entregue",
                   "lido": "lido", "falhou": "falhou"}


def furthest(current: str, new: str) -> str:
    return new if DELIVERY_RANK.get(new, -1) > DELIVERY_RANK.get(current, -1) else current


def backoff_seconds(attempt: int, base: float = 30.0, cap: float = 3600.0) -> float:
    """Wait before retry number `attempt` (1, 2, ...): base * 2^(attempt-1), capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def message_key(incident_id: int, notice_purpose: str, consumer_id: int, channel: str) -> str:
    """The idempotency key: one message per incident, notice, person and channel."""
    raw = f"{incident_id}:{notice_purpose}:{consumer_id}:{channel}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


NO_PHONE = "Não possui telefone para envio de mensagem"


def choose_channels(preferred: Sequence[str], mobile: str | None, email: str | None) -> list[str]:
    """Usable channels in preference order (WhatsApp first when nothing is stated)."""
    order = [c for c in preferred if c in ("whatsapp", "sms", "email")] or ["whatsapp", "sms", "email"]
    order += [c for c in ("whatsapp", "sms", "email") if c not in order]  # then any other
    out = []
    for c in order:
        if c in ("whatsapp", "sms") and not mobile:
            continue
        if c == "email" and not email:
            continue
        if c not in out:
            out.append(c)
    return out


_VAR = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
TEMPLATE_VARIABLES = ("nome", "protocolo", "link", "motivo", "area", "duracao", "medidas",
                      "servico")


def render_template(text: str, values: Mapping[str, Any]) -> str:
    """Replace {{ variable }}; unknown variables stay visible so an editor sees the typo."""
    return _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def unknown_variables(text: str) -> list[str]:
    return sorted({v for v in _VAR.findall(text) if v not in TEMPLATE_VARIABLES})


SAFETY_MEASURES = {
    "qualidade": "Não beba a água da torneira até novo aviso. Para beber e cozinhar, ferva a "
                 "água por 1 minuto ou use água mineral.",
    "interrupcao": "Economize a água da caixa. Ao retornar, a água pode vir turva nos "
                   "primeiros minutos: deixe correr antes de usar.",
    "manutencao": "Sem medidas especiais.",
}


def format_duration(hours: float | None) -> str:
    if not hours:
        return "a definir"
    if hours < 1:
        return f"{round(hours * 60)} minutos"
    return f"{hours:g} hora" + ("" if hours == 1 else "s")


# ---------------------------------------------------------------------------------------------
# evidence: SHA-256 and the hash chain
# ---------------------------------------------------------------------------------------------

GENESIS = "0" * 64


def canonical(payload: Any) -> bytes:
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def chain_hash(prev_hash: str, seq: int, kind: str, payload: Any) -> str:
    return sha256_hex(f"{prev_hash}|{seq}|{kind}|".encode() + canonical(payload))


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(records: Sequence[Mapping[str, Any]]) -> list[ChainProblem]:
    """Recompute every link and every content hash; [] means intact."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    for i, r in enumerate(records, start=1):
        seq = int(r.get("seq", -1))
        if seq != i:
            problems.append(ChainProblem(seq, f"sequência esperada {i}"))
        if r.get("prev_hash") != prev:
            problems.append(ChainProblem(seq, "elo anterior não confere"))
        payload = r.get("payload") or {}
        if chain_hash(str(r.get("prev_hash")), seq, str(r.get("kind")), payload) != r.get("hash"):
            problems.append(ChainProblem(seq, "hash do registro não confere"))
        if "content" in payload and sha256_hex(str(payload["content"])) != payload.get("content_sha256"):
            problems.append(ChainProblem(seq, "SHA-256 do conteúdo não confere"))
        prev = str(r.get("hash"))
    return problems


def jsonable(payload: Any) -> Any:
    """The payload as it will read back from a JSON column (what is hashed is what is kept)."""
    return json.loads(canonical(payload))
