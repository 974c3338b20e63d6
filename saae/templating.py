"""Jinja filters: thin names over core.fmt, the one pt-BR formatter. The filter names are
the templates' (pt-BR); the functions behind them are core's."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from flask import Flask, g
from sqlalchemy import select

from core import fmt
from core.audit_labels import describe_changes, enum_label, value_text, words_for_codes
from core.auth import User
from core.db import session


def person_name(username: str | None) -> str:
    """A login as the person's name (the history shows people, not accounts); once a request."""
    if not username:
        return "sistema"
    names = g.setdefault("saae_people", {})
    if username not in names:
        names[username] = session.scalar(
            select(User.name).where(User.username == username)) or username
    return names[username]


def audit_changes(changes: dict[str, Any], action: str = "update", *,
                  tz: Any = None) -> list[tuple[str, str, str]]:
    """An audit row's changes as (field label, before, after), formatted for people."""
    return describe_changes(action, changes, None, tz)


def measure(value: Any, places: int | None = 2, unit: str = "") -> str:
    return fmt.measure(value, places, unit)


def month_of(value: dt.date) -> str:
    return fmt.month_name(value.year, value.month)


def register_filters(app: Flask) -> None:
    tz = fmt.zone(app.config["SAAE_SETTINGS"].timezone)
    filters = {
        "datahora": partial(fmt.date_time, tz=tz),
        "hora": partial(fmt.time_of_day, tz=tz),
        "data": partial(fmt.date, tz=tz),
        "valor": partial(value_text, tz=tz),  # a value from the audit history
        "mudancas": partial(audit_changes, tz=tz),
        "sem_codigos": words_for_codes,
        "pessoa": person_name,
        "rotulo": enum_label,
        "num": fmt.number,
        "medida": measure,
        "reais": fmt.money,
        "mes": month_of,
    }
    for name, function in filters.items():
        app.add_template_filter(function, name)
    # "horário local (GMT−3)": pages speak of the offset, never of the zone's identifier
    app.add_template_global(partial(fmt.zone_label, tz), "horario_local")
