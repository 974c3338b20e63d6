"""LIMS services: reception at the lab (by barcode, typed code or photo) and distribution.

`receive` moves one sample COLETADA -> AGUARDANDO ANALISE with the reception time, the
receiver and the arrival temperature, and returns at once what the screen shows (point,
parameters). An unknown code, a second scan and a sample in the wrong state raise a pt-BR
error and change nothing. `distribute` assigns received samples to an analyst or to a
(contracted) laboratory, all or nothing, audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import fmt
from core.auth import User
from core.db import ids_in, session, transactional, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationError
from lims.domain import samples as machine
from lims.domain.samples import SampleState
from lims.models.registry import CollectionPoint, Laboratory
from lims.models.routes import Route
from lims.models.samples import Sample
from lims.services import samples as sample_svc
from lims.services.photos import check_photo
from lims.services.refs import cells_left
from render import labels

log = logging.getLogger(__name__)

AFTER_RECEPTION = frozenset({SampleState.AWAITING_ANALYSIS, SampleState.AWAITING_VALIDATION,
                             SampleState.VALIDATED, SampleState.PUBLISHED})
_NOISE = re.compile(r"[\x00-\x1f\x7f\s]+")


@dataclass(frozen=True)
class Received:
    """What the reception screen shows for one sample (after a scan, or for the list)."""

    sample_id: int
    code: str
    state: str
    point_code: str
    point_name: str
    point_kind: str
    address: str
    neighbourhood: str
    parameters: tuple[str, ...]
    collected_at: dt.datetime | None
    received_at: dt.datetime | None
    received_by: str
    arrival_temperature: Decimal | None
    is_recoleta: bool
    route_code: str
    message: str


def clean_code(raw: str | None) -> str:
    """What a scanner or a person typed, as a code: no spaces / control characters, upper case,
    without the AIM symbology prefix some scanners send (]C0)."""
    code = _NOISE.sub("", raw or "").upper()
    if code.startswith("]C") and len(code) > 3:
        code = code[3:]
    return code


def parse_temperature(raw: str | Decimal | float | None) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        t = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        msg = "Temperatura de chegada inválida (ex.: 4,5)."
        raise ValidationError(msg, fields={"temperatura": [msg]}) from None
    if not t.is_finite() or not Decimal(-5) <= t <= Decimal(45):
        msg = "Temperatura de chegada fora da faixa (-5 a 45 °C)."
        raise ValidationError(msg, fields={"temperatura": [msg]})
    return t.quantize(Decimal("0.1"))


def _local(t: dt.datetime | None, tz: str | None) -> str:
    return fmt.date_time(t, tz, empty="-")


def _name(user_id: int | None) -> str:
    if not user_id:
        return ""
    u = session.get(User, user_id)
    return u.name if u else f"usuário {user_id}"


def view(s: Sample, message: str = "") -> Received:
    p = session.get(CollectionPoint, s.point_id)
    route = session.get(Route, s.route_id) if s.route_id else None
    return Received(
        sample_id=s.id, code=s.code, state=str(s.state), point_code=p.code if p else "",
        point_name=p.name if p else "", point_kind=p.kind_label if p else "",
        address=(p.address or "") if p else "", neighbourhood=(p.neighbourhood or "") if p else "",
        parameters=tuple(sp.parameter.name for sp in s.parameters),
        collected_at=s.collected_at, received_at=s.received_at, received_by=_name(s.received_by_id),
        arrival_temperature=s.arrival_temperature, is_recoleta=s.is_recoleta,
        route_code=route.code if route else "", message=message)


def views_of(rows: list[Sample]) -> list[Received]:
    """`view` of many samples: their points, routes and receivers read in three queries and
    held while the views are built (view's session.get then finds them: no query a row)."""
    def ids(attr: str) -> list[int]:
        return sorted({v for s in rows if (v := getattr(s, attr))})

    held = [list(session.scalars(select(model).where(ids_in(model.id, wanted))))
            for model, wanted in ((CollectionPoint, ids("point_id")), (Route, ids("route_id")),
                                  (User, ids("received_by_id"))) if wanted]
    out = [view(s) for s in rows]
    del held
    return out


@transactional
def receive(raw_code: str, *, user_id: int, arrival_temperature: str | Decimal | None = None,
            tz: str | None = None) -> Received:
    """COLETADA -> AGUARDANDO ANALISE for the sample with this code; anything else is refused
    with a message and nothing changes."""
    code = clean_code(raw_code)
    if not code:
        msg = "Leia a etiqueta ou digite o código da amostra."
        raise ValidationError(msg, fields={"codigo": [msg]})
    temp = parse_temperature(arrival_temperature)
    # FOR UPDATE: two scans of one label at once queue here, the second then sees the first
    s = session.scalars(select(Sample).where(Sample.code == code).with_for_update()
                        .execution_options(populate_existing=True)).first()
    if s is None:
        raise NotFound(f"Código {code} não encontrado. Confira a etiqueta ou digite o código.",
                       code="codigo_desconhecido")
    state = machine.coerce(s.state)
    if state in AFTER_RECEPTION:
        raise Conflict(f"Amostra {code} já foi recebida em {_local(s.received_at, tz)} por "
                       f"{_name(s.received_by_id) or '-'}. Nada foi alterado.", code="ja_recebida")
    if state is SampleState.CANCELLED:
        raise Conflict(f"Amostra {code} esta cancelada ({s.cancel_reason or 'sem motivo'}) e não "
                       "pode ser recebida.", code="amostra_cancelada")
    if state is not SampleState.COLLECTED:
        raise Conflict(f"Amostra {code} ainda não foi registrada como coletada (estado: "
                       f"{machine.label(state)}). Registre a coleta antes de receber.",
                       code="amostra_nao_coletada")
    now = utcnow()
    sample_svc.transition(s.id, SampleState.AWAITING_ANALYSIS, user_id=user_id,
                          reason="recebida no laboratório", received_at=now,
                          received_by_id=user_id, arrival_temperature=temp)
    _field_only_goes_on(s.id)
    t = f", {str(temp).replace('.', ',')} °C" if temp is not None else ""
    return view(s, f"Amostra {code} recebida as {_local(now, tz)[-5:]}{t}.")


def _field_only_goes_on(sample_id: int) -> None:
    """A sample whose every parameter the collector already read in the field has nothing left
    for the bench: it goes on to AGUARDANDO VALIDACAO at reception (issue 13 item 6)."""
    n, left = cells_left(sample_id)  # one statement
    if n and not left:
        sample_svc.results_entered(sample_id)


@dataclass(frozen=True)
class ScanOutcome:
    code: str
    ok: bool
    message: str
    received: Received | None = None


def receive_many(codes: Iterable[str], *, user_id: int,
                 arrival_temperature: str | Decimal | None = None, tz: str | None = None) -> list[ScanOutcome]:
    """One reception per code, each in its own unit of work (one refusal stops nothing)."""
    out = []
    for c in codes:
        try:
            r = receive(c, user_id=user_id, arrival_temperature=arrival_temperature, tz=tz)
            out.append(ScanOutcome(r.code, True, r.message, r))
        except DomainError as exc:
            out.append(ScanOutcome(clean_code(c), False, exc.message))
    return out


def receive_photo(image: bytes, *, user_id: int, arrival_temperature: str | Decimal | None = None,
                  tz: str | None = None) -> list[ScanOutcome]:
    """Read every barcode in a phone photo of the labels and receive each sample."""
    check_photo(image)
    try:
        codes = labels.decode(image)
    except labels.UnreadableImage:
        raise ValidationError("O arquivo enviado não e uma imagem.", fields={"foto": ["imagem"]}) from None
    if not codes:
        raise ValidationError("Nenhum código de barras encontrado na foto. Aproxime a camera da "
                              "etiqueta, com boa luz, ou digite o código.", fields={"foto": ["sem código"]})
    return receive_many(codes, user_id=user_id, arrival_temperature=arrival_temperature, tz=tz)


def received_recently(*, user_id: int | None = None, since: dt.datetime | None = None,
                      limit: int = 30) -> list[Received]:
    since = since or utcnow() - dt.timedelta(hours=12)
    stmt = (select(Sample).where(Sample.received_at >= since)
            .options(selectinload(Sample.parameters))
            .order_by(Sample.received_at.desc()).limit(limit))
    if user_id is not None:
        stmt = stmt.where(Sample.received_by_id == user_id)
    return views_of(list(session.scalars(stmt)))


# -- distribution -----------------------------------------------------------------------------

def awaiting_distribution(*, unassigned_only: bool = False, limit: int = 500) -> list[Sample]:
    stmt = (select(Sample).where(Sample.state == SampleState.AWAITING_ANALYSIS)
            .options(selectinload(Sample.parameters))
            .order_by(Sample.received_at, Sample.code).limit(limit))
    if unassigned_only:
        stmt = stmt.where(Sample.assigned_analyst_id.is_(None), Sample.assigned_lab_id.is_(None))
    return list(session.scalars(stmt))


def analysts() -> list[User]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if u.has_profile("analista") or u.can("lims.results.enter")]


def laboratories() -> list[Laboratory]:
    return list(session.scalars(select(Laboratory).where(Laboratory.active.is_(True))
                                .order_by(Laboratory.own.desc(), Laboratory.name)))


@transactional
def distribute(sample_ids: Iterable[int], *, user_id: int, analyst_id: int | None = None,
               lab_id: int | None = None, reason: str = "") -> list[Sample]:
    """Assign received samples to one analyst or to one laboratory (a contracted lab clears the
    analyst and vice versa). All or nothing: one sample not awaiting analysis refuses all."""
    ids = list(dict.fromkeys(int(i) for i in sample_ids))
    if not ids:
        raise ValidationError("Marque ao menos uma amostra.", fields={"amostras": ["vazio"]})
    if (analyst_id is None) == (lab_id is None):
        msg = "Escolha um analista ou um laboratório (apenas um)."
        raise ValidationError(msg, fields={"destino": [msg]})
    if analyst_id is not None:
        a = session.get(User, analyst_id)
        if a is None or not a.active or not (a.has_profile("analista") or a.can("lims.results.enter")):
            raise ValidationError("Analista inexistente, inativo ou sem permissão de análise.",
                                  fields={"analista": ["invalido"]})
        target, fields = f"analista {a.name}", {"assigned_analyst_id": a.id, "assigned_lab_id": None}
    else:
        lab = session.get(Laboratory, lab_id)
        if lab is None or not lab.active:
            raise ValidationError("Laboratório inexistente ou inativo.", fields={"laboratorio": ["invalido"]})
        kind = "proprio" if lab.own else "contratado"
        target, fields = f"laboratório {kind} {lab.name}", {"assigned_lab_id": lab.id,
                                                             "assigned_analyst_id": None}
    rows = list(session.scalars(select(Sample).where(Sample.id.in_(ids)).with_for_update()))
    found = {s.id for s in rows}
    if missing := [i for i in ids if i not in found]:
        raise NotFound(f"Amostras não encontradas: {missing}.")
    wrong = [s.code for s in rows if s.state != SampleState.AWAITING_ANALYSIS]
    if wrong:
        raise Conflict("Só amostras recebidas (aguardando análise) podem ser distribuídas: "
                       + ", ".join(sorted(wrong)) + ". Nada foi alterado.", code="nao_recebida")
    why = f"distribuída para {target}" + (f": {reason.strip()}" if reason.strip() else "")
    with sample_svc.acting(user_id, why):
        for s in rows:
            for k, v in fields.items():
                setattr(s, k, v)
        session.flush()
    return sorted(rows, key=lambda s: s.code)
