"""Jinja filters: thin names over core.fmt, the one pt-BR formatter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from core import fmt


def register_filters(app: Flask) -> None:
    tz = fmt.zone(app.config["SAAE_SETTINGS"].timezone)

    @app.template_filter("datahora")
    def datahora(value: dt.datetime | None) -> str:
        return fmt.date_time(value, tz)

    @app.template_filter("hora")
    def hora(value: dt.datetime | None) -> str:
        return fmt.time_of_day(value, tz)

    @app.template_filter("data")
    def data(value: dt.date | dt.datetime | None) -> str:
        return fmt.date(value, tz)

    @app.template_filter("valor")
    def valor(value: Any) -> str:
        """A value from the audit history, for people (see core.audit_labels)."""
        from core.audit_labels import value_text

        return value_text(value, tz)

    @app.template_filter("mudancas")
    def mudancas(changes: dict[str, Any], action: str = "update") -> list[tuple[str, str, str]]:
        """An audit row's changes as (field label, before, after), formatted for people."""
        from core.audit_labels import describe_changes

        return describe_changes(action, changes, None, tz)

    @app.template_filter("sem_codigos")
    def sem_codigos(text: str) -> str:
        from core.audit_labels import words_for_codes

        return words_for_codes(text)

    @app.template_filter("pessoa")
    def pessoa(username: str | None) -> str:
        """A login as the person's name (the history shows people, not accounts)."""
        if not username:
            return "sistema"
        from flask import g
        from sqlalchemy import select

        from core.auth import User
        from core.db import session

        names = g.setdefault("saae_people", {})
        if username not in names:
            names[username] = session.scalar(select(User.name).where(User.username == username)) or username
        return names[username]

    @app.template_filter("rotulo")
    def rotulo(value: Any) -> str:
        from core.audit_labels import enum_label

        return enum_label(value)

    @app.template_filter("num")
    def num(value: Any, places: int | None = 2) -> str:
        return fmt.number(value, places)

    @app.template_filter("medida")
    def medida(value: Any, places: int | None = 2, unit: str = "") -> str:
        return fmt.measure(value, places, unit)

    @app.template_filter("reais")
    def reais(value: Any) -> str:
        return fmt.money(value)

    @app.template_filter("mes")
    def mes(value: dt.date) -> str:
        return fmt.month_name(value.year, value.month)
