"""The lims' versioned reference data files (this folder: the Portaria 888 catalogue, the
compliance, holding-time and sensor x lab rules), read in one place: TOML or JSON by the
file's ending, once per process."""

from __future__ import annotations

import functools
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent
CATALOGUE = "catalogue_p888_v1.toml"  # the parameters, their VMPs and the sampling minimums


@functools.cache
def reference(name: str) -> dict[str, Any]:
    """The contents of the data file `name` of this folder (shared: callers do not change it)."""
    text = (FOLDER / name).read_text(encoding="utf-8")
    return tomllib.loads(text) if name.endswith(".toml") else json.loads(text)


def as_decimal(v: Any) -> Decimal | None:
    """A number of a data file as a Decimal, through its text (0.2, not 0.20000000000000001)."""
    return None if v is None else Decimal(str(v))
