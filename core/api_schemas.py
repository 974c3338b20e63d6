"""Marshmallow schemas derived from the frozen dataclasses an area's `api.py` returns, so an
answer that is `asdict(dto)` is documented (OpenAPI) by the dataclass itself, not by a second
list of the same fields."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

from marshmallow import Schema, fields

# how a value of each type reads in the JSON answer (dates and times: ISO strings)
_SCALARS: dict[Any, type[fields.Field]] = {
    int: fields.Integer, str: fields.String, float: fields.Float, bool: fields.Boolean,
    dt.date: fields.String, dt.datetime: fields.String, dict: fields.Dict,
}


def _field(hint: Any, description: str | None = None) -> fields.Field:
    options: dict[str, Any] = {}
    if get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint):
        options["allow_none"] = True
        hint = next(a for a in get_args(hint) if a is not type(None))
    if description:
        options["metadata"] = {"description": description}
    origin = get_origin(hint)
    if origin in (tuple, list):
        return fields.List(_field(get_args(hint)[0]), **options)
    if origin is dict:
        keys, values = get_args(hint)
        return fields.Dict(keys=_field(keys), values=_field(values), **options)
    return _SCALARS[hint](**options)


def dataclass_schema(dto: type, name: str, *, descriptions: dict[str, str] | None = None,
                     **extra: fields.Field) -> type[Schema]:
    """A Schema class `name` with one field per field of the dataclass `dto`, in its order
    (`X | None` allows null, tuples are lists); `descriptions` documents some of them and
    `extra` adds fields or replaces derived ones (e.g. a nested schema)."""
    hints = get_type_hints(dto)
    descriptions = descriptions or {}
    declared = {f.name: extra.pop(f.name, None) or _field(hints[f.name], descriptions.get(f.name))
                for f in dataclasses.fields(dto)}
    return Schema.from_dict({**declared, **extra}, name=name)
