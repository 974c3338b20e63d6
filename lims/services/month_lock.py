"""LIMS services: the month lock. A closed month's lab data cannot change until a Gestor
reopens it. Its own module so that results and validation (below the closing in the layers
of lims.services) can ask without importing the closing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import session
from core.errors import Conflict
from lims.models.closing import ClosingState, MonthClosing


def is_closed(system_id: int, year: int, month: int) -> bool:
    return session.scalars(select(MonthClosing.id).where(
        MonthClosing.system_id == system_id, MonthClosing.year == year,
        MonthClosing.month == month, MonthClosing.state == ClosingState.CLOSED)).first() is not None


def assert_open(system_id: int, day: dt.date) -> None:
    """Services call this before changing lab data of `day`: closed months are locked."""
    if is_closed(system_id, day.year, day.month):
        raise Conflict(f"O mes {day.month:02d}/{day.year} esta fechado para este sistema; "
                       "um Gestor precisa reabri-lo com justificativa.", code="mes_fechado")
