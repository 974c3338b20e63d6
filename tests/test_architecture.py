"""The import contracts of ARCHITECTURE.md (pyproject.toml [tool.importlinter]) are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    cmd = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run(cmd + ["--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report, report


def test_every_area_is_under_contract():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    from saae.areas import AREAS

    assert set(AREAS) | {"saae"} <= set(config["root_packages"])
    independent = next(c for c in config["contracts"] if c["type"] == "independence")
    assert set(independent["modules"]) == set(AREAS) - {"core"}
