"""Getting invoices to people: the SMS 7 to 10 days before issue announcing the date and the
debit (seed 004), the invoice PDF by e-mail (SMTP from settings), every send and failure
recorded on a `Notice` row.

SMS/WhatsApp go through one function, `send_message(channel, to, text)`, which the
composition root may replace with the real providers (`set_sender`): commercial does not
import the incidents area that owns them. Until then the default sender records the message
as sent locally (demo / `notify_provider=outbox`) or refuses (`real` without a provider).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.message import EmailMessage

from sqlalchemy import select

from commercial.domain.documents import format_matricula
from commercial.models import Connection, Consumer, Invoice, InvoiceBatch, Notice, Situation
from commercial.services.billing_parameters import parameters, utility_header
from commercial.services.invoices import invoice_pdf
from core import fmt
from core.db import session, transactional, utcnow
from core.mail import smtp_send
from core.privacy import mask
from core.tasks import enqueue
from core.web import settings

log = logging.getLogger(__name__)

Sender = Callable[[str, str, str], str | None]  # (channel, to E.164, text) -> provider id


class NotConfigured(RuntimeError):
    pass


def _local_sender(channel: str, to: str, text: str) -> str | None:
    if settings().notify_provider == "real":
        raise NotConfigured("Nenhum provedor de SMS/WhatsApp ligado ao comercial.")

    # never the number or the text in the log: the recipient masked, the size of the message
    log.info("[%s -> %s] mensagem de %d caracteres", channel, mask(to), len(text))
    return "local"


_sender: Sender = _local_sender


def set_sender(sender: Sender | None) -> None:
    """Wire the real SMS/WhatsApp provider (composition root); None restores the default."""
    global _sender
    _sender = sender or _local_sender


def send_message(channel: str, to: str, text: str) -> str | None:
    return _sender(channel, to, text)


def _utility_short() -> str:
    return utility_header().get("short_name") or "SAAE"


# -- the SMS before issue ---------------------------------------------------------------------

def issue_notice_text(utility: str, matricula: str, year: int, month: int, issue: dt.date,
                      due: dt.date, direct_debit: bool) -> str:
    text = (f"{utility}: a fatura de água ref. {month:02d}/{year} da matrícula {matricula} "
            f"será emitida em {issue:%d/%m/%Y}, com vencimento em {due:%d/%m/%Y}.")
    if direct_debit:
        text += f" O débito automático em conta será feito em {due:%d/%m/%Y}."
    return text


def schedule_issue_notices(batch: InvoiceBatch, today: dt.date | None = None) -> int:
    """One SMS (or WhatsApp) per consenting consumer with a mobile, scheduled `sms_days_before`
    days before the issue date (or today, if that is already past; none on the issue day)."""

    today = today or dt.date.today()
    if batch.issue_date <= today:
        return 0
    p = parameters()
    when = max(today, batch.issue_date - dt.timedelta(days=p.sms_days_before))
    s = session()
    existing = set(s.scalars(select(Notice.ref).where(Notice.kind == "aviso_emissao",
                                                      Notice.ref.like(f"lote{batch.id}:%"))))
    utility = _utility_short()
    rows = s.execute(select(Connection.id, Connection.matricula, Connection.direct_debit,
                            Consumer.mobile, Consumer.channels)
                     .join(Consumer, Consumer.id == Connection.consumer_id)
                     .where(Connection.billing_group_id == batch.billing_group_id,
                            Connection.situation == Situation.ACTIVE.value,
                            Consumer.consent.is_(True), Consumer.mobile.is_not(None))).all()
    n = 0
    for cid, mat, debit, mobile, channels in rows:
        ref = f"lote{batch.id}:{cid}"
        if ref in existing:
            continue
        channel = next((c for c in (channels or []) if c in ("sms", "whatsapp")), "sms")
        s.add(Notice(kind="aviso_emissao", ref=ref, connection_id=cid, channel=channel, to=mobile,
                     text=issue_notice_text(utility, format_matricula(mat), batch.year,
                                            batch.month, batch.issue_date, batch.due_date, debit),
                     scheduled_for=when))
        n += 1
    s.flush()
    return n


# -- e-mail -----------------------------------------------------------------------------------

@transactional
def queue_invoice_emails(batch_id: int) -> int:
    """A `fatura_email` notice for every invoice of the batch whose consumer chose e-mail."""
    s = session()
    rows = s.execute(select(Invoice.id, Invoice.connection_id, Consumer.email)
                     .join(Consumer, Consumer.id == Invoice.consumer_id)
                     .where(Invoice.batch_id == batch_id, Consumer.invoice_by_email.is_(True),
                            Consumer.email.is_not(None))).all()
    done = set(s.scalars(select(Notice.ref).where(Notice.kind == "fatura_email",
                                                  Notice.ref.in_([f"fatura:{r[0]}" for r in rows]))))
    today = dt.date.today()
    n = 0
    for inv_id, cid, email in rows:
        ref = f"fatura:{inv_id}"
        if ref in done:
            continue
        s.add(Notice(kind="fatura_email", ref=ref, connection_id=cid, channel="email", to=email,
                     text=f"Fatura {inv_id}", scheduled_for=today))
        n += 1
    s.flush()
    if n:
        enqueue("commercial.tasks.send_due_notices")
    return n


def _smtp_send(msg: EmailMessage) -> None:
    st = settings()
    if not st.smtp_host:
        raise NotConfigured("SMTP não configurado (SAAE_SMTP_HOST).")
    smtp_send(msg, st, timeout=20)


def invoice_email(inv: Invoice, to: str, pdf_bytes: bytes) -> EmailMessage:
    doc = inv.doc
    u = doc["utility"]
    msg = EmailMessage()
    msg["From"] = settings().mail_from
    msg["To"] = to
    msg["Subject"] = (f"{u.get('short_name') or 'SAAE'} - Fatura de água {doc['reference']} - "
                      f"matrícula {doc['connection']['matricula']}")
    lines = [
        f"Olá, {doc['customer']['name']}.",
        "",
        f"Segue em anexo a fatura de água e esgoto de referência {doc['reference']}.",
        f"Valor: {fmt.money(inv.total)} - Vencimento: {inv.due_date:%d/%m/%Y}.",
        f"Linha digitável: {doc['payment']['typed_line_fmt']}",
    ]
    if doc["payment"].get("pix"):
        lines += ["", "PIX copia e cola:", doc["payment"]["pix"]]
    if doc.get("messages"):
        lines += ["", *[f"- {m}" for m in doc["messages"]]]
    q = doc.get("quality") or {}
    if q.get("parameters"):
        lines += ["", f"Qualidade da água ({q.get('system_name')}, {q.get('label')}): "
                      + "; ".join(f"{p['name']}: {p['conforming']}/{p['analysed']} conformes"
                                  for p in q["parameters"])]
    lines += ["", "Mensagem automática; não responda a este e-mail."]
    msg.set_content("\n".join(lines))
    msg.add_attachment(pdf_bytes, maintype="application", subtype="pdf",
                       filename=f"fatura-{doc['number']}.pdf")
    return msg


def _send_one(notice: Notice) -> None:
    notice.attempts = (notice.attempts or 0) + 1
    if not notice.to:
        notice.state = "sem_contato"
        notice.error = "Não possui telefone/e-mail para envio de mensagem"
        return
    try:
        if notice.channel == "email":
            inv = session().get(Invoice, int(notice.ref.split(":")[1]))
            if inv is None:
                raise LookupError("fatura não encontrada")
            _smtp_send(invoice_email(inv, notice.to, invoice_pdf(inv.id)))
            inv.emailed_at = utcnow()
        else:
            send_message(notice.channel, notice.to, notice.text)
        notice.state = "enviado"
        notice.sent_at = utcnow()
        notice.error = None
    except NotConfigured as exc:  # waits, untouched, until the channel is configured
        notice.attempts -= 1
        notice.error = str(exc)
        raise
    except Exception as exc:  # recorded, retried by the next run
        log.warning("notice %s failed: %s", notice.id, exc)
        notice.error = str(exc)[:1000]
        notice.state = "falhou" if notice.attempts >= 5 else "pendente"


def send_due_notices(today: dt.date | None = None, limit: int = 500) -> dict[str, int]:
    """Send what is due (each notice in its own transaction); returns counts by state."""
    today = today or dt.date.today()
    s = session()
    ids = list(s.scalars(select(Notice.id).where(Notice.state == "pendente",
                                                 Notice.scheduled_for <= today)
                         .order_by(Notice.scheduled_for, Notice.id).limit(limit)))
    counts: dict[str, int] = {}
    waiting: dict[str, int] = {}  # reason -> notices left waiting: one log line per reason
    for nid in ids:
        notice = s.get(Notice, nid)
        if notice is None or notice.state != "pendente":
            continue
        try:
            _send_one(notice)
        except NotConfigured as exc:
            s.commit()
            waiting[str(exc)] = waiting.get(str(exc), 0) + 1
            continue
        s.commit()
        counts[notice.state] = counts.get(notice.state, 0) + 1
    for reason, n in waiting.items():
        log.info("%d notice(s) waiting: %s", n, reason)
    return counts


def notices(limit: int = 200, kind: str | None = None) -> list[Notice]:
    stmt = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    return list(session().scalars(stmt))
