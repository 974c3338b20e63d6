"""LIMS services: the reads of the staff's sample pages (issue 17): the list's rows and counts
in two statements with only the columns it shows, the detail's sample with its point, system
and results flag in one, its history with the names of who made each change in one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from core.audit import AuditLog
from core.auth import User
from core.db import ids_in, session
from core.errors import NotFound
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.results import Result
from lims.models.samples import Sample, SampleParameter
from lims.services.samples import PAGE, history_stmt
from lims.services.samples import conditions as _conditions


def list_page(*, limit: int = PAGE, offset: int = 0,
              **filters: Any) -> tuple[list[Any], int, dict[str, int]]:
    """The list page in two statements: its rows (only the columns shown, the point's code and
    name and the number of parameters joined) and, per state, how many samples there are and
    how many of them match the filters (their sum: the total)."""
    conds = _conditions(**filters)
    matching = func.count().filter(and_(*conds)) if conds else func.count()
    counts, total = {}, 0
    for state, n, m in session.execute(select(Sample.state, func.count(), matching)
                                       .group_by(Sample.state)):
        counts[state] = n
        total += m
    n_params = (select(func.count()).where(SampleParameter.sample_id == Sample.id)
                .scalar_subquery())
    rows = session.execute(select(
        Sample.id, Sample.code, Sample.state, Sample.scheduled_for, Sample.slot,
        Sample.reprogram_count, Sample.is_recoleta, Sample.system_id,
        CollectionPoint.code.label("point_code"), CollectionPoint.name.label("point_name"),
        n_params.label("n_params")).join(CollectionPoint, CollectionPoint.id == Sample.point_id)
        .where(*conds).order_by(Sample.scheduled_for, Sample.code).limit(limit).offset(offset)).all()
    return list(rows), total, counts


def systems_brief() -> list[Any]:
    """(id, code, name) of every supply system: the filters' choices."""
    return list(session.execute(select(SupplySystem.id, SupplySystem.code, SupplySystem.name)
                                .order_by(SupplySystem.id)))


_WHO = (Sample.collected_by_id, Sample.received_by_id, Sample.assigned_analyst_id)
# made once: a new alias each call would make a new statement for SQLAlchemy to compile
_PEOPLE = tuple(aliased(User) for _ in _WHO)


def with_place(sample_id: int) -> tuple[Sample, CollectionPoint, SupplySystem, bool, dict[int, str]]:
    """A sample, its point and system, whether any result was entered and {user id: name} of
    who collected, received and analyses it, in one statement."""
    has = select(Result.id).where(Result.sample_id == Sample.id).exists()
    stmt = (select(Sample, CollectionPoint, SupplySystem, has, *(u.name for u in _PEOPLE))
            .join(CollectionPoint, CollectionPoint.id == Sample.point_id)
            .join(SupplySystem, SupplySystem.id == Sample.system_id))
    for u, column in zip(_PEOPLE, _WHO, strict=True):
        stmt = stmt.outerjoin(u, u.id == column)
    row = session.execute(stmt.where(Sample.id == sample_id)).first()
    if row is None:
        raise NotFound("Amostra não encontrada.")
    s = row[0]
    ids = (s.collected_by_id, s.received_by_id, s.assigned_analyst_id)
    names = {uid: name for uid, name in zip(ids, row[4:], strict=True) if uid and name is not None}
    return s, row[1], row[2], bool(row[3]), names


def history_with_names(sample_id: int) -> list[tuple[Any, str]]:
    """The sample's audited changes, oldest first, each with the name of who made it (the
    login when the account is gone, "sistema" when nobody signed in)."""
    rows = session.execute(history_stmt(sample_id).add_columns(User.name)
                           .outerjoin(User, User.username == AuditLog.username))
    return [(h, (name or h.username) if h.username else "sistema") for h, name in rows]


def people(ids: set[int]) -> dict[int, str]:
    """{user id: name} of these users, only the two columns."""
    return dict(session.execute(select(User.id, User.name).where(  # type: ignore[arg-type]
        ids_in(User.id, sorted(ids)))).all()) if ids else {}
