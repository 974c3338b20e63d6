"""The list of areas, in one place. Each area package offers the same entry modules:

- `<area>.views`: `blueprints` (web) and `api_blueprints` (flask-smorest, under /api/v1),
  `NAV` [(label, endpoint, permission)] and `dashboard(user) -> list[dict]`;
- `<area>.permissions`: `PERMISSIONS` {code: (label, default profiles)};
- `<area>.cli`: `commands` (top-level `saae` commands);
- `<area>.seed`: `seed_reference()` and `seed_demo(today)`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

AREAS = ("core", "lims", "telemetry", "commercial", "incidents", "portal_publico")


def area_module(area: str, name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"{area}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{area}.{name}":
            return None
        raise


def each(name: str) -> list[tuple[str, ModuleType]]:
    """(area, module) for every area that has `<area>.<name>`."""
    found = []
    for area in AREAS:
        mod = area_module(area, name)
        if mod is not None:
            found.append((area, mod))
    return found
