"""The portal's monthly summaries: a closed month is read from the rows stored at closing (one
query, never an older computation of the open month), an open one is kept per process, and a
closing warms the system's year (lims.events.MonthClosed -> portal_publico.handlers)."""

from __future__ import annotations

from sqlalchemy import event

from core.db import get_engine
from lims.events import MonthClosed
from lims.services import closing
from portal_publico import handlers
from portal_publico import services as portal
from saae.wiring import SUBSCRIPTIONS
from tests.lims.test_closed_month import M, Y, people, w  # noqa: F401
from tests.lims.test_closed_month_e2e import _enter_month


def _count(fn):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def hook(conn, cursor, statement, *a):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", hook)
    try:
        value = fn()
    finally:
        event.remove(get_engine(), "before_cursor_execute", hook)
    return value, len(seen)


def test_closing_is_seen_at_once_and_warms_the_year(w, people, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(portal, "MEMO_SECONDS", 60.0)
    portal.clear_memo()
    sysid = w["system"].id
    _enter_month(w, people)
    before = portal.summary(sysid, Y, M)
    assert before is not None and not before.closed  # computed, and kept by this process
    again, statements = _count(lambda: portal.summary(sysid, Y, M))
    assert again is before and statements <= 3

    c = closing.close_month(sysid, Y, M, user_id=people["gestor"].id, username="gestor")
    after = portal.summary(sysid, Y, M)
    assert after.closed, "the closed month is read from its stored rows, not the memo"

    assert handlers.on_month_closed in SUBSCRIPTIONS[MonthClosed]
    portal.clear_memo()
    handlers.on_month_closed(MonthClosed(closing_id=c.id, year=Y, month=M, level="sistema",
                                         system_id=sysid, closed_by="gestor"))
    every = [s.id for s in portal.systems()]
    year, statements = _count(lambda: portal.summaries(every, [(Y, m) for m in range(1, 13)]))
    # SAVEPOINT, the stored rows, the organisation's contact line, RELEASE: the rest was warmed
    assert year[(sysid, Y, M)].closed and statements <= 4
    _trends, statements = _count(lambda: portal.trends(sysid, until=(Y, M)))
    assert statements <= 4


def test_a_year_read_ahead_gives_what_each_month_gives(w, people) -> None:  # noqa: F811
    """quality_summaries reads the open months of a system's year ahead, their results and
    collected counts in one query each (issue 17): every month's summary is the one the month
    computed alone gives, in its own unit of work."""
    from core.db import session
    from lims import api as lims_api

    sysid = w["system"].id
    _enter_month(w, people)
    keys = [(sysid, Y, m) for m in range(1, 13)]
    for published_only in (False, True):
        together, statements = _count(lambda po=published_only: lims_api.quality_summaries(
            keys, published_only=po))
        session.commit()  # a new unit of work: nothing kept from the read-ahead
        alone = {k: lims_api.quality_summary(*k, published_only=published_only) for k in keys}
        assert together == alone
        assert statements <= 20  # was about 8 a month
    together = lims_api.quality_summaries(keys, published_only=False)
    assert any(p.analysed for p in together[(sysid, Y, M)].parameters)
