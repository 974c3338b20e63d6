"""What the virtual office shows of one connection beyond its invoices: the water quality of
the closed scope that serves it, the notices that reached its address, the status of its
service requests, and the LGPD side (what is kept and why, export, correction requests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from commercial import api as commercial_api
from core import fmt
from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, ValidationError
from incidents import api as incidents_api
from lims import api as lims_api
from portal_publico.models import ALERT_LABELS, OfficeAlert, OfficeDataRequest, OfficeSubscription
from portal_publico.services import safe

REQUEST_LABELS = {"exportacao": "Exportação dos dados", "correcao": "Correção de dados"}
REQUEST_STATES = {"registrado": "Registrada, aguardando o atendimento", "atendido": "Atendida"}

# LGPD art. 9: what is kept, why (the legal basis) and for how long, in plain words
KEPT = (
    ("Nome, CPF/CNPJ e endereço da ligação",
     "Prestar o serviço de água e esgoto e emitir as faturas (execução de contrato, art. 7º V).",
     "Enquanto a ligação existir e pelo prazo legal de guarda fiscal depois."),
    ("Leituras do hidrômetro e faturas",
     "Calcular e cobrar o consumo; atender pedidos de revisão (execução de contrato).",
     "Pelo prazo legal de guarda das faturas."),
    ("Celular e e-mail",
     "Enviar o código de acesso, as faturas e os avisos de interrupção ou de qualidade da água "
     "que você aceitou receber (consentimento, art. 7º I; saúde pública, art. 7º VII).",
     "Até você pedir a remoção ou retirar o consentimento."),
    ("Alertas assinados e mensagens enviadas",
     "Cumprir o que você pediu e provar o envio.", "Dois anos."),
    ("Acessos ao escritório virtual",
     "Segurança da sua conta: data e hora de cada acesso, sem senha.", "Seis meses."),
)


@dataclass(frozen=True)
class ServiceRequestStatus:
    """One service request (Registro de Atendimento) as the consumer follows it."""

    protocol: str
    kind: str
    status_label: str
    opened_at: dt.datetime
    tracking_url: str | None


def service_requests(connection_id: int) -> list[ServiceRequestStatus]:
    """The connection's service requests (Registros de Atendimento), newest first, with the
    public tracking link of each (incidents' api; none while that area fails)."""
    return [ServiceRequestStatus(r.protocol, r.title, r.state_label, r.opened_at, r.tracking_url)
            for r in safe(incidents_api.requests_of_connection, connection_id, default=[])]


def notices_for(acc: commercial_api.OfficeAccount, limit: int = 10) -> list[incidents_api.PublicNotice]:
    """Interruption and quality notices (current and past) that reached the connection: sent
    to it, or whose area names its sector, neighbourhood or system."""
    return safe(incidents_api.notices_for_place, connection_id=acc.connection_id,
                neighbourhood=acc.neighbourhood, sector_code=acc.sector_code,
                system_id=acc.system_id, limit=limit, default=[])


def water_quality(acc: commercial_api.OfficeAccount, on: dt.date | None = None) -> Any:
    """The summary of the latest month closed for the scope that serves the connection (the
    reservoir of its sector, else its system), looking back up to three months; None when
    the connection has no system or nothing was closed."""
    if acc.system_id is None:
        return None
    on = on or fmt.today()
    for back in range(0, 4):
        y, m = fmt.month_add(on.year, on.month, -back)
        q = safe(lims_api.quality_for_connection, acc.system_id, y, m, sector_code=acc.sector_code,
                 neighbourhood=acc.neighbourhood, default=None)
        if q is not None and q.closed:
            return q
    return None


def data_requests(connection_id: int) -> list[OfficeDataRequest]:
    return list(session.scalars(select(OfficeDataRequest)
                                .where(OfficeDataRequest.connection_id == connection_id)
                                .order_by(OfficeDataRequest.id.desc()).limit(20)))


@transactional
def export(connection_id: int) -> dict[str, Any]:
    """The consumer's own data as one JSON document; the export is recorded (audited)."""
    acc = commercial_api.office_account(connection_id)
    if acc is None:
        raise ValidationError("Ligação não encontrada.")
    data: dict[str, Any] = dict(commercial_api.office_personal_data(connection_id))
    subs = session.scalars(select(OfficeSubscription).where(OfficeSubscription.connection_id == connection_id))
    data["alertas_assinados"] = [{"alerta": ALERT_LABELS.get(s.kind, s.kind), "canal": s.channel,  # type: ignore[call-overload]
                                  "ativo": s.active} for s in subs]
    alerts = session.scalars(select(OfficeAlert).where(OfficeAlert.connection_id == connection_id)
                             .order_by(OfficeAlert.id))
    data["alertas_enviados"] = [{"alerta": a.subject, "canal": a.channel, "texto": a.text,
                                 "situacao": a.state,
                                 "enviado_em": a.sent_at.isoformat() if a.sent_at else None}
                                for a in alerts]
    data["pedidos_lgpd"] = [{"pedido": REQUEST_LABELS.get(r.kind, r.kind), "detalhes": r.details,
                             "situacao": REQUEST_STATES.get(r.state, r.state),
                             "em": r.created_at.isoformat()} for r in data_requests(connection_id)]
    data["gerado_em"] = utcnow().isoformat()
    with audit_context(reason="Exportação dos dados pedida pelo consumidor (LGPD)"):
        session.add(OfficeDataRequest(connection_id=connection_id, consumer_id=acc.consumer_id,
                                      kind="exportacao", details="JSON baixado no escritório virtual",
                                      state="atendido", handled_at=utcnow()))
    return data


def _text(value: str, minimum: int, field: str, ask: str) -> str:
    """One line of a person's text, between `minimum` and 2,000 characters, or a pt-BR error."""
    text = " ".join((value or "").split())
    if len(text) < minimum:
        raise ValidationError(f"{ask} (mínimo {minimum} caracteres).",
                              fields={field: [f"mínimo {minimum} caracteres"]})
    if len(text) > 2000:
        raise ValidationError("O texto pode ter até 2.000 caracteres.",
                              fields={field: ["máximo 2.000 caracteres"]})
    return text


@transactional
def request_correction(connection_id: int, details: str) -> OfficeDataRequest:
    """A correction request for staff to handle (recorded and audited)."""
    text = _text(details, 10, "detalhes", "Descreva o que deve ser corrigido")
    acc = commercial_api.office_account(connection_id)
    if acc is None:
        raise ValidationError("Ligação não encontrada.")
    with audit_context(reason="Pedido de correção de dados do consumidor (LGPD)"):
        row = OfficeDataRequest(connection_id=connection_id, consumer_id=acc.consumer_id,
                                kind="correcao", details=text, state="registrado")
        session.add(row)
        session.flush()
    return row


@transactional
def mark_handled(request_id: int, note: str) -> OfficeDataRequest:
    """Staff handled a consumer's request: the note says what was done (the audit reason)."""
    text = _text(note, 5, "nota", "Diga o que foi feito")
    row = get_or_404(OfficeDataRequest, request_id, "Pedido não encontrado.")
    if row.state == "atendido":
        raise Conflict("Este pedido já foi atendido.")
    with audit_context(reason=text):
        row.state = "atendido"
        row.handled_at = utcnow()
        session.flush()
    return row
