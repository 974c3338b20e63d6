"""LIMS services: ETA stoppages (from the supervisory system or typed) and the monthly dosing of
treatment products."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core import fmt
from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import NotFound, ValidationError
from lims.models.results import DosingConsumption, EtaStoppage
from lims.services import closing


@transactional
def register_eta_stoppage(eta_code: str, started_at: dt.datetime, *,
                          ended_at: dt.datetime | None = None, reason: str = "",
                          source_ref: str = "", user_id: int | None = None) -> int:
    eta_code = (eta_code or "").strip()
    errors = {}
    if not eta_code:
        errors["eta"] = ["Informe a ETA."]
    if started_at is None or started_at.tzinfo is None:
        errors["inicio"] = ["Informe o início com fuso horário."]
    else:
        now = utcnow()
        earliest = (fmt.local(now) - dt.timedelta(days=400)).replace(day=1).date()
        if not earliest <= fmt.local_date(started_at) <= fmt.local_date(now):
            errors["inicio"] = [f"O início da parada ({fmt.date_time(started_at)}) deve ficar entre "
                                f"{fmt.date(earliest)} e agora ({fmt.date_time(now)}): uma parada "
                                "futura ainda não aconteceu."]
        elif ended_at is not None and ended_at < started_at:
            errors["fim"] = [f"O fim da parada ({fmt.date_time(ended_at)}) é anterior ao início "
                             f"({fmt.date_time(started_at)})."]
        elif ended_at is not None and ended_at > now + dt.timedelta(minutes=5):
            errors["fim"] = [f"O fim da parada ({fmt.date_time(ended_at)}) está no futuro: "
                             "deixe em branco enquanto a ETA estiver parada."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(first if len(errors) == 1 else "Parada de ETA inválida.", fields=errors)
    row = None
    if source_ref:
        row = session.scalars(select(EtaStoppage).where(EtaStoppage.source_ref == source_ref)).first()
    with audit_context(reason=reason or "parada de ETA"):
        if row is None:
            row = EtaStoppage(eta_code=eta_code, started_at=started_at, ended_at=ended_at,
                              reason=reason, source="supervisorio" if source_ref else "manual",
                              source_ref=source_ref or None, created_by_id=user_id)
            session.add(row)
        else:  # redelivered or updated event: same row (idempotent)
            row.started_at = started_at
            if ended_at is not None:
                row.ended_at = ended_at
            if reason:
                row.reason = reason
        session.flush()
    return row.id


@transactional
def end_eta_stoppage(eta_code: str, ended_at: dt.datetime, *, source_ref: str = "") -> None:
    stmt = select(EtaStoppage).where(EtaStoppage.eta_code == eta_code)
    if source_ref:
        stmt = stmt.where(EtaStoppage.source_ref == source_ref)
    else:
        stmt = stmt.where(EtaStoppage.ended_at.is_(None))
    row = session.scalars(stmt.order_by(EtaStoppage.started_at.desc())).first()
    if row is None and source_ref:  # the end may carry another reference than the start
        row = session.scalars(select(EtaStoppage).where(
            EtaStoppage.eta_code == eta_code, EtaStoppage.ended_at.is_(None))
            .order_by(EtaStoppage.started_at.desc())).first()
    if row is None:
        if source_ref:  # end without start (lost start event): record a zero-length stoppage
            register_eta_stoppage(eta_code, ended_at, ended_at=ended_at, source_ref=source_ref,
                                  reason="fim recebido sem início")
            return
        raise NotFound(f"Não ha parada aberta da ETA {eta_code}.")
    if ended_at < row.started_at:
        raise ValidationError("O fim da parada e anterior ao início.",
                              fields={"fim": ["Anterior ao início."]})
    with audit_context(reason="fim de parada de ETA"):
        row.ended_at = ended_at
        session.flush()


def stoppages(limit: int = 200) -> list[EtaStoppage]:
    return list(session.scalars(select(EtaStoppage).order_by(EtaStoppage.started_at.desc())
                                .limit(limit)))


@transactional
def record_dosing(eta_code: str, year: int, month: int, product: str, quantity: Decimal,
                  unit: str = "kg", notes: str | None = None) -> DosingConsumption:
    closing.month_bounds(year, month)
    if not product.strip():
        raise ValidationError("Informe o produto.", fields={"produto": ["Informe o produto."]})
    if quantity is None or quantity < 0:
        raise ValidationError("Quantidade inválida.", fields={"quantidade": ["Quantidade inválida."]})
    row = session.scalars(select(DosingConsumption).where(
        DosingConsumption.eta_code == eta_code, DosingConsumption.year == year,
        DosingConsumption.month == month, DosingConsumption.product == product.strip())).first()
    if row is None:
        row = DosingConsumption(eta_code=eta_code, year=year, month=month,
                                product=product.strip(), quantity=quantity, unit=unit, notes=notes)
        session.add(row)
    else:
        row.quantity, row.unit, row.notes = quantity, unit, notes
    session.flush()
    return row


def now() -> dt.datetime:
    return utcnow()
