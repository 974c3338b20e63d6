"""Jinja filters in Brazilian formats (dates in America/Sao_Paulo, decimal comma)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask


def register_filters(app: Flask) -> None:
    tz = ZoneInfo(app.config["SAAE_SETTINGS"].timezone)

    @app.template_filter("datahora")
    def datahora(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")

    @app.template_filter("data")
    def data(value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(tz).date() if value.tzinfo else value.date()
        return value.strftime("%d/%m/%Y")

    @app.template_filter("valor")
    def valor(value: Any) -> str:
        """A value from the audit history, for people: dates local, booleans in Portuguese."""
        if value is None or value == "":
            return "—"
        if value is True:
            return "sim"
        if value is False:
            return "nao"
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                return datahora(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        return str(value)

    @app.template_filter("num")
    def num(value: Any, places: int = 2) -> str:
        if value is None or value == "":
            return ""
        text = f"{Decimal(str(value)):,.{places}f}"
        return text.replace(",", "X").replace(".", ",").replace("X", ".")

    @app.template_filter("reais")
    def reais(value: Any) -> str:
        return "R$ " + num(value, 2)
