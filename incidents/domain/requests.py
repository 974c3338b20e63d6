"""Service requests (Registro de Atendimento, tender 7.10 and the GSAN menu): channels, the
request's lifecycle, protocol numbers, what an executed connection order does to the
connection, the price in force, the portal photo, and when complaints make an incident.

Pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

CHANNELS = {"balcao": "Balcão", "telefone": "Telefone", "portal": "Portal",
            "whatsapp": "WhatsApp", "sistema": "Gerada pelo sistema"}
SUBJECTS = {"matricula": "Matrícula", "endereco": "Endereço", "eventual": "Cliente eventual"}
# what an executed order of a service does to the connection (commercial Situation values)
EFFECTS = {"cortar": "cortada", "suprimir": "suprimida", "religar": "ativa"}
EFFECT_LABELS = {"": "Nenhum", "cortar": "Corta a ligação", "suprimir": "Suprime a ligação",
                 "religar": "Religa a ligação"}
COMPLAINT_LABELS = {"": "Não", "qualidade": "Qualidade da água", "falta_agua": "Falta d'água",
                    "vazamento": "Vazamento"}
PHOTO_TAGS = {"antes": "Antes", "depois": "Depois", "outra": "Outra"}
PHOTO_MAX_BYTES = 2_000_000
# the portal's photo: JPEG, PNG or WebP only, recognised by its first bytes (not its name)
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


class RequestState(StrEnum):
    OPEN = "aberta"
    IN_PROGRESS = "em_atendimento"
    DONE = "concluida"
    CANCELLED = "cancelada"


REQUEST_LABELS = {RequestState.OPEN: "Aberta", RequestState.IN_PROGRESS: "Em atendimento",
                  RequestState.DONE: "Concluída", RequestState.CANCELLED: "Cancelada"}
REQUEST_CLOSED = frozenset({RequestState.DONE, RequestState.CANCELLED})


def protocol(opened_at: dt.datetime, row_id: int) -> str:
    """RA + year + six-digit sequence: never the same as an incident's protocol (year only)."""
    return f"RA{opened_at:%Y}{row_id:06d}"


def state_after_orders(states: Sequence[str], closed: Iterable[str], executed: str) -> RequestState:
    """The request's state from its orders' states: done when every order is closed and at
    least one executed, cancelled when all closed without execution, else in progress."""
    closed = set(closed)
    if not states:
        return RequestState.OPEN
    if all(s in closed for s in states):
        return RequestState.DONE if executed in states else RequestState.CANCELLED
    return RequestState.IN_PROGRESS


def photo_type(data: bytes) -> str | None:
    """The media type of an accepted photo, or None (not JPEG/PNG/WebP, or too large)."""
    if not data or len(data) > PHOTO_MAX_BYTES:
        return None
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class PriceRow:
    amount: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


def price_on(rows: Iterable[PriceRow], day: dt.date) -> Decimal | None:
    """The price in force on `day` (the latest start among those valid then), or None."""
    best: PriceRow | None = None
    for r in rows:
        valid = r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)
        if valid and (best is None or r.valid_from > best.valid_from):
            best = r
    return best.amount if best else None


def opens_incident(count: int, threshold: int) -> bool:
    """`count` complaints of one kind in one sector within the window reach the setting."""
    return threshold > 0 and count >= threshold


def nearest(points: Iterable[tuple[int, float | None, float | None]], lat: float | None,
            lon: float | None, distance: object) -> int | None:
    """Id of the nearest point with coordinates (`distance(lat1, lon1, lat2, lon2)` in km);
    None without a position or points."""
    if lat is None or lon is None:
        return None
    best: tuple[float, int] | None = None
    for pid, plat, plon in points:
        if plat is None or plon is None:
            continue
        d = distance(lat, lon, plat, plon)  # type: ignore[operator]
        if best is None or (d, pid) < best:
            best = (d, pid)
    return best[1] if best else None
