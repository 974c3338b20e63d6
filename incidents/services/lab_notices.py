"""Public notices of lab results: the advice follows the parameter group, and the notice waits
for a Supervisor's or Gestor's confirmation before it reaches citizens (unless the Gestor chose
to publish E. coli positives at once)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.audit import audit_context, current_actor
from core.db import session, transactional, utcnow
from core.errors import Conflict, ValidationError
from incidents import domain
from incidents.models import Incident, NoticePolicy, NoticeTemplate
from incidents.services import incidents as svc
from incidents.services import notify

PENDING, CONFIRMED, DISMISSED = "pendente", "confirmado", "dispensado"

ADVICE_BY_GROUP = {"microbiologico": "orientacao_microbiologico",
                   "organoleptico": "orientacao_organoleptico",
                   "operacional": "orientacao_operacional",
                   "radioativo": "orientacao_radioativo"}
ECOLI = "escherichia_coli"


def advice_code(group: str) -> str:
    """Chemical groups (inorgânicos, orgânicos, agrotóxicos, cianotoxinas, PSD) share one text."""
    return ADVICE_BY_GROUP.get(group, "orientacao_quimico")


def advice(group: str) -> str:
    t = session.scalars(select(NoticeTemplate).where(NoticeTemplate.code == advice_code(group))).first()
    return t.body if t is not None else ""


def policy() -> NoticePolicy:
    """The stored policy, or the default (everything waits for confirmation), not saved."""
    return session.scalars(select(NoticePolicy)).first() or NoticePolicy(ecoli_auto_publish=False)


@transactional
def set_ecoli_auto_publish(on: bool) -> NoticePolicy:
    p = session.scalars(select(NoticePolicy)).first()
    with audit_context(reason="política de avisos de E. coli"):
        if p is None:
            p = NoticePolicy(ecoli_auto_publish=bool(on))
            session.add(p)
        p.ecoli_auto_publish = bool(on)
        session.flush()
    return p


def needs_confirmation(parameter_code: str) -> bool:
    return not (parameter_code == ECOLI and policy().ecoli_auto_publish)


def pending() -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.notice_confirmation == PENDING)
                                .order_by(Incident.opened_at, Incident.id)))


def _home_counts_query() -> Any:
    waiting = Incident.notice_confirmation == PENDING
    oldest = (select(Incident.id).where(waiting).order_by(Incident.opened_at, Incident.id)
              .limit(1).scalar_subquery())
    opened = Incident.state.in_([str(s) for s in domain.OPEN_INCIDENT_STATES])
    return select(func.count(Incident.id).filter(opened), func.count(Incident.id).filter(waiting),
                  oldest)


_HOME_COUNTS = _home_counts_query()  # built once: the home page asks on every view


def home_counts() -> tuple[int, int, int | None]:
    """(open incidents, notices waiting for confirmation, the id of the oldest waiting): the
    home page's cards in one statement, no incident loaded."""
    n_open, n_waiting, first = session.execute(_HOME_COUNTS).one()
    return n_open or 0, n_waiting or 0, first


@transactional
def confirm(incident_id: int, *, measures: str | None = None) -> Incident:
    """A Supervisor or Gestor confirms: the notice goes to the portal and to the affected."""
    inc = svc.get(incident_id)
    if inc.notice_confirmation != PENDING:
        raise Conflict("Este incidente não tem aviso aguardando confirmação.")
    if measures is not None:
        measures = measures.strip()
        if not measures:
            raise ValidationError("Escreva a orientação à população.",
                                  fields={"medidas": ["obrigatório"]})
    who = current_actor().username
    with audit_context(reason="aviso público confirmado"):
        if measures:
            inc.safety_measures = measures[:1000]
        inc.public_notice = True
        inc.notice_confirmation = CONFIRMED
        inc.notice_confirmed_by, inc.notice_confirmed_at = who, utcnow()
        session.flush()
    svc.timeline(inc.id, "acao", f"Aviso à população confirmado por {who}", public=False)
    notify.queue_notice(inc.id, "abertura", created_by=who)
    return inc


@transactional
def dismiss(incident_id: int, reason: str) -> Incident:
    """No public notice (e.g. the recollection is already under way); the reason is kept."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError("Explique por que a população não será avisada (mínimo de 10 caracteres).",
                              fields={"motivo": ["obrigatório"]})
    inc = svc.get(incident_id)
    if inc.notice_confirmation != PENDING:
        raise Conflict("Este incidente não tem aviso aguardando confirmação.")
    who = current_actor().username
    with audit_context(reason=f"aviso público dispensado: {reason}"):
        inc.notice_confirmation = DISMISSED
        inc.notice_confirmed_by, inc.notice_confirmed_at = who, utcnow()
        session.flush()
    svc.timeline(inc.id, "acao", f"Aviso à população dispensado por {who}: {reason}")
    return inc
