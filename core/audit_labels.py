"""The audit history in words: table and field labels, values formatted for people.

The history keeps table and column names (it is data); pages and reports show these
labels instead, and values through core.fmt (local times, pt-BR numbers, sim/não)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import fmt
from core.auth import User
from core.db import session

# pt-BR labels of tables, fields and stored enum values: data, in audit_labels.json
_LABELS = json.loads(Path(__file__).with_name("audit_labels.json").read_text(encoding="utf-8"))
TABLES: dict[str, str] = _LABELS["tables"]
FIELDS: dict[str, str] = _LABELS["fields"]
# stored enum values as people read them (areas' own label maps take precedence where they exist)
VALUES: dict[str, str] = _LABELS["values"]


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DEC = re.compile(r"^-?\d+\.\d+$")


def table_label(name: str) -> str:
    return TABLES.get(name, name.split("_", 1)[-1].replace("_", " ").capitalize())


def field_label(name: str) -> str:
    if name in FIELDS:
        return FIELDS[name]
    base = name.removesuffix("_id").removesuffix("_at").removesuffix("_on")
    return FIELDS.get(base, base.replace("_", " ").capitalize())


def value_text(value: Any, tz: ZoneInfo | None = None) -> str:
    """One audited value for people: dates local, booleans sim/não, numbers pt-BR, mappings
    as "Campo: valor", lists joined; never a Python repr."""
    if value is None or value == "" or value == [] or value == {}:
        return fmt.EMPTY
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, dt.datetime):
        return fmt.date_time(value, tz)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, int | float | Decimal):
        return fmt.integer(value) if isinstance(value, int) else fmt.number(value, None)
    if isinstance(value, dict):
        parts = [f"{field_label(str(k))}: {value_text(v, tz)}" for k, v in value.items()
                 if v is not None and v != ""]
        return "; ".join(parts) or fmt.EMPTY
    if isinstance(value, list | tuple | set):
        return ", ".join(value_text(v, tz) for v in value)
    return _text_value(str(value), tz)


def _text_value(text: str, tz: ZoneInfo | None) -> str:
    """A stored string that is an ISO date-time, a date or a decimal, as people write it."""
    if _ISO.match(text):
        try:
            return fmt.date_time(dt.datetime.fromisoformat(text), tz)
        except ValueError:
            return text
    if _DATE.match(text):
        return fmt.date(text)
    if _DEC.match(text):
        return fmt.number(text, None)
    return text


ACTIONS = {"insert": "inclusão", "update": "alteração", "delete": "exclusão",
           "acesso": "consulta"}


def enum_label(value: Any) -> str:
    """A stored code (nao_conforme, em_atendimento) in words; unknown codes lose underscores."""
    if value is None or value == "":
        return fmt.EMPTY
    text = str(value)
    return VALUES.get(text, text.replace("_", " "))


USER_FIELDS = frozenset({
    "analyst_id", "entered_by_id", "validated_by_id", "received_by_id", "collected_by_id",
    "created_by_id", "closed_by_id", "approved_by_id", "requested_by_id", "reopened_by_id",
    "confirmed_by_id", "assigned_analyst_id", "collector_id", "user_id", "analysis_responsible_id"})
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "public_token", "search_key",
                           "search_name"})
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})


def user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def describe_changes(action: str, changes: dict[str, Any], people: dict[int, str] | None = None,
                     tz: ZoneInfo | None = None) -> list[tuple[str, str, str]]:
    """(field label, old, new) per changed field, for people: user ids as names, secrets
    masked, enum codes and values formatted; bookkeeping columns left out."""
    if people is None:
        people = user_names({v for k, pair in (changes or {}).items() if k in USER_FIELDS
                             for v in (pair if isinstance(pair, list) else [pair]) if isinstance(v, int)})
    out = []
    for key, pair in (changes or {}).items():
        if key in HIDDEN_FIELDS and action != "update":
            continue
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)

        def show(v: Any, key: str = key) -> str:
            if v is None or v == "":
                return fmt.EMPTY
            if key in SECRET_FIELDS:
                return "(oculto)"
            if key in USER_FIELDS and isinstance(v, int):
                return people.get(v, f"usuário nº {v}")
            if isinstance(v, str) and v in VALUES:
                return VALUES[v]
            return value_text(v, tz)

        out.append((field_label(key), show(old), show(new)))
    return out


_CODE_IN_PARENS = re.compile(r"\(([a-z]+(?:_[a-z]+)+)\)")


def words_for_codes(text: str) -> str:
    """Codes that rule texts carry in parentheses, "(filtracao_rapida)", in words."""
    return _CODE_IN_PARENS.sub(lambda m: f"({VALUES.get(m.group(1), m.group(1).replace('_', ' ')).lower()})",
                               text or "")
