"""LIMS services: the month lock. A closed month's lab data cannot change until a Gestor
reopens it. Its own module so that results and validation (below the closing in the layers
of lims.services) can ask without importing the closing.

A system closing locks the whole system's month; a plan or reservoir closing locks only the
points of its scope (stored on the closing when it was closed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import session
from core.errors import Conflict
from lims.models.closing import ClosingLevel, ClosingState, MonthClosing


def is_closed(system_id: int, year: int, month: int, *, point_id: int | None = None) -> bool:
    """The month is locked for the system (a system closing) or, given `point_id`, for a
    point inside a closed plan or reservoir scope."""
    rows = session.execute(select(MonthClosing.level, MonthClosing.point_ids).where(
        MonthClosing.system_id == system_id, MonthClosing.year == year,
        MonthClosing.month == month, MonthClosing.state == ClosingState.CLOSED)).all()
    for level, point_ids in rows:
        if level == ClosingLevel.SYSTEM or point_ids is None:
            return True
        if point_id is not None and point_id in point_ids:
            return True
    return False


def assert_open(system_id: int, day: dt.date, point_id: int | None = None) -> None:
    """Services call this before changing lab data of `day`: closed months are locked."""
    if is_closed(system_id, day.year, day.month, point_id=point_id):
        raise Conflict(f"O mês {day.month:02d}/{day.year} está fechado para este sistema; "
                       "um Gestor precisa reabri-lo com justificativa.", code="mes_fechado")
