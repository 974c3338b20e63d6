"""Business days (due dates fall on one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def next_business_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> dt.date:
    hol = set(holidays)
    d = day
    while d.weekday() >= 5 or d in hol:
        d += dt.timedelta(days=1)
    return d
