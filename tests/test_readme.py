"""README: the two commands, and a configuration section naming every SAAE_* setting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core.config import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [PREFIX + f.name.upper() for f in dataclasses.fields(Settings)
               if f"`{PREFIX}{f.name.upper()}`" not in README]
    assert not missing, f"add to README.md's configuration section: {missing}"


def test_the_two_commands_and_the_ci_script():
    assert "./scripts/demo" in README and "./scripts/test" in README
    for script in ("scripts/demo", "scripts/test", ".ci/run"):
        path = ROOT / script
        assert path.exists() and path.stat().st_mode & 0o111, script
    assert "scripts/test" in (ROOT / ".ci/run").read_text()
    for section in ("## Configuração", "## Produção", "## Operação"):
        assert section in README
