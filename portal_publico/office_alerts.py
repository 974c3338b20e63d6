"""Personalised alerts of the virtual office: the subscriptions a consumer keeps (audited) and
the alerts they bring, made when the invoice batch is issued (commercial's InvoiceBatchIssued)
or when telemetry sees continuous flow on a telemetered meter (AnomalyDetected), and sent
through incidents' channels (the local outbox in the demo) with the provider's proof."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select

from commercial import api as commercial_api
from core import fmt
from core.audit import audit_context
from core.db import chunks, ids_in, session, transactional, unit_of_work, utcnow
from core.errors import ValidationError
from core.tasks import enqueue
from incidents import api as incidents_api
from portal_publico.models import ALERT_LABELS, AlertKind, OfficeAlert, OfficeSubscription

log = logging.getLogger(__name__)

BATCH_KINDS = (AlertKind.INVOICE_ISSUED, AlertKind.DEBIT_DATE, AlertKind.HIGH_USE)
LEAK_ANOMALIES = frozenset({"vazao_noturna", "vazao_continua"})
MAX_ATTEMPTS = 5


class BatchIssued(Protocol):
    """What the portal reads of commercial.events.InvoiceBatchIssued."""

    batch_id: int


class MeterAnomaly(Protocol):
    """What the portal reads of telemetry.events.AnomalyDetected (it imports no telemetry)."""

    anomaly_id: int
    kind: str
    asset_code: str
    started_at: dt.datetime


def subscriptions(connection_id: int) -> dict[str, OfficeSubscription]:
    rows = session.scalars(select(OfficeSubscription)
                           .where(OfficeSubscription.connection_id == connection_id))
    return {r.kind: r for r in rows}


@transactional
def save_subscriptions(connection_id: int, wanted: dict[str, str]) -> dict[str, OfficeSubscription]:
    """`wanted`: {kind: channel} of the alerts the consumer keeps; the others are switched
    off. Audited with the virtual office as the reason."""
    acc = commercial_api.office_account(connection_id)
    if acc is None:
        raise ValidationError("Ligação não encontrada.")
    on_file = {"email": acc.email, "sms": acc.mobile, "whatsapp": acc.mobile}
    errors = {}
    for kind, channel in wanted.items():
        if kind not in ALERT_LABELS:
            errors[kind] = ["Alerta desconhecido."]
        elif not on_file.get(channel):
            errors[kind] = ["Não há contato cadastrado para este canal."]
        elif kind == AlertKind.LEAK and not acc.telemetered:
            errors[kind] = ["Disponível só para hidrômetros com telemetria."]
        elif kind == AlertKind.DEBIT_DATE and not acc.direct_debit:
            errors[kind] = ["Disponível só com débito automático."]
    if errors:
        raise ValidationError("Confira os alertas escolhidos.", fields=errors)
    have = subscriptions(connection_id)
    with audit_context(reason="Alertas alterados pelo consumidor no escritório virtual"):
        for kind in ALERT_LABELS:
            row, channel = have.get(kind), wanted.get(kind)
            if row is None and channel:
                row = OfficeSubscription(connection_id=connection_id, consumer_id=acc.consumer_id,
                                         kind=str(kind), channel=channel, active=True)
                session.add(row)
            elif row is not None and (row.active != bool(channel)
                                      or (channel and row.channel != channel)):
                row.active = bool(channel)
                row.channel = channel or row.channel
        session.flush()
    return subscriptions(connection_id)


def _recipient(acc: commercial_api.OfficeAccount, channel: str) -> str | None:
    return acc.email if channel == "email" else acc.mobile


def _money(v: Decimal) -> str:
    return fmt.money(v)


def batch_alert_text(kind: str, f: commercial_api.IssuedInvoice) -> str | None:
    """The alert of one kind about one issued invoice, or None when it does not apply."""
    if kind == AlertKind.INVOICE_ISSUED:
        return (f"Sua fatura de água ref. {f.reference} (matrícula {f.matricula}) foi emitida: "
                f"{_money(f.total)}, vencimento em {f.due_date:%d/%m/%Y}. A 2ª via e o PIX "
                "estão no escritório virtual.")
    if kind == AlertKind.DEBIT_DATE and f.direct_debit:
        return (f"O débito automático da fatura ref. {f.reference} (matrícula {f.matricula}), "
                f"{_money(f.total)}, será feito em {f.due_date:%d/%m/%Y}.")
    if kind == AlertKind.HIGH_USE and f.average > 0:
        above = (Decimal(f.consumption) / Decimal(f.average) - 1) * 100
        if above > f.excess_percent:
            return (f"O consumo de {f.reference} na matrícula {f.matricula} foi de "
                    f"{f.consumption} m³, {fmt.number(above, 0)}% acima da sua média "
                    f"({f.average} m³). Confira se há vazamentos na instalação.")
    return None


def _queue(kind: str, ref: str, sub: OfficeSubscription, acc: commercial_api.OfficeAccount,
           text: str, known: set[str]) -> int:
    if ref in known:
        return 0
    session.add(OfficeAlert(kind=kind, ref=ref, subscription_id=sub.id,
                            connection_id=sub.connection_id, channel=sub.channel,
                            recipient=_recipient(acc, sub.channel), subject=ALERT_LABELS[AlertKind(kind)],
                            text=text))
    known.add(ref)
    return 1


def _known(refs: list[str]) -> set[str]:
    return set(session.scalars(select(OfficeAlert.ref).where(OfficeAlert.ref.in_(refs)))) if refs else set()


def on_invoice_batch_issued(event: BatchIssued) -> None:
    """A batch was issued: the alerts of the subscribed connections, then sent. Idempotent
    (one alert per kind and invoice)."""
    subs = list(session.scalars(select(OfficeSubscription).where(
        OfficeSubscription.active.is_(True),
        OfficeSubscription.kind.in_([str(k) for k in BATCH_KINDS]))))
    if not subs:
        return
    by_conn: dict[int, list[OfficeSubscription]] = {}
    for s in subs:
        by_conn.setdefault(s.connection_id, []).append(s)
    facts = commercial_api.office_issued_in_batch(event.batch_id, list(by_conn))
    known = _known([f"{s.kind}:{f.invoice_id}" for f in facts for s in by_conn[f.connection_id]])
    queued = 0
    for f in facts:
        acc = commercial_api.office_account(f.connection_id)
        for sub in by_conn[f.connection_id]:
            text = batch_alert_text(sub.kind, f)
            if text and acc is not None:
                queued += _queue(sub.kind, f"{sub.kind}:{f.invoice_id}", sub, acc, text, known)
    session.flush()
    if queued:
        enqueue("portal_publico.office_alerts.send_pending")


def on_meter_anomaly(event: MeterAnomaly) -> None:
    """Continuous flow on a telemetered meter: a leak alert to its subscribed consumer."""
    if event.kind not in LEAK_ANOMALIES or not event.asset_code:
        return
    acc = commercial_api.office_account_by_meter(event.asset_code)
    if acc is None:
        return
    sub = subscriptions(acc.connection_id).get(AlertKind.LEAK)
    if sub is None or not sub.active:
        return
    text = (f"O hidrômetro da matrícula {acc.matricula} registra vazão contínua desde "
            f"{fmt.date_time(event.started_at)}: pode haver um vazamento no imóvel. Feche os "
            "registros e confira se o hidrômetro continua girando.")
    ref = f"{AlertKind.LEAK}:{event.anomaly_id}"
    if _queue(str(AlertKind.LEAK), ref, sub, acc, text, _known([ref])):
        session.flush()
        enqueue("portal_publico.office_alerts.send_pending")


def send_pending(limit: int = 500) -> dict[str, int]:
    """Send the alerts waiting (each recorded with the provider's answer); counts by state."""
    ids = list(session.scalars(select(OfficeAlert.id).where(OfficeAlert.state == "pendente")
                               .order_by(OfficeAlert.id).limit(limit)))
    counts: dict[str, int] = {}
    for chunk in chunks(ids, 100):
        with unit_of_work():  # commits each chunk (joins the caller's transaction in a handler)
            for a in session.scalars(select(OfficeAlert).where(ids_in(OfficeAlert.id, chunk))):
                _send_one(a)
                counts[a.state] = counts.get(a.state, 0) + 1
    return counts


def _send_one(a: OfficeAlert) -> None:
    a.attempts += 1
    if not a.recipient:
        a.state, a.error = "sem_contato", "Não há contato cadastrado para este canal."
        return
    r = incidents_api.send_direct(a.channel, a.recipient, a.text, key=f"escritorio-alerta:{a.id}",
                                  subject=a.subject)
    a.provider, a.provider_message_id = r.provider or None, r.provider_message_id
    if r.ok:
        a.state, a.sent_at, a.error = "enviado", utcnow(), None
    else:
        a.error = (r.error or "falhou")[:500]
        a.state = "pendente" if r.retryable and a.attempts < MAX_ATTEMPTS else "falhou"
        log.warning("office alert %s not sent: %s", a.id, r.error)


def alerts_of(connection_id: int, limit: int = 20) -> list[OfficeAlert]:
    return list(session.scalars(select(OfficeAlert).where(OfficeAlert.connection_id == connection_id)
                                .order_by(OfficeAlert.id.desc()).limit(limit)))
